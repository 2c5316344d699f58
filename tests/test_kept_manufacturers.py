"""Manufacturers read along with product rows are kept by their values
(schema/organisations/types.py `Manufacturer.of_product_row`)."""

import uuid
from types import SimpleNamespace

import pytest

from schema.organisations import types


def _row(maker: uuid.UUID, name: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=uuid.uuid4(),
        manufacturer_id=maker,
        maker_slug="works",
        maker_name=name,
        maker_country="UA",
    )


def test_the_same_values_give_the_same_object_and_other_values_a_new_one() -> None:
    maker = uuid.uuid4()
    first = types.Manufacturer.of_product_row(_row(maker, "Works"))
    assert types.Manufacturer.of_product_row(_row(maker, "Works")) is first
    renamed = types.Manufacturer.of_product_row(_row(maker, "Works Ltd"))
    assert renamed is not first and (renamed.name, first.name) == ("Works Ltd", "Works")
    assert (renamed.id, renamed.slug, renamed.country) == (first.id, "works", "UA")


def test_the_kept_objects_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(types, "MAX_KEPT_MAKERS", 3)
    for index in range(10):
        types.Manufacturer.of_product_row(_row(uuid.uuid4(), f"Maker {index}"))
        assert len(types._KEPT_MAKERS) <= 3
