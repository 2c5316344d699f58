"""Per-request DataLoaders of the programme's structures (one query per batch)."""

import uuid
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from catalog.models import ExportCentre as CentreRow
from catalog.programme import centres
from schema.context import Context


async def _centres_of(context: Context, ids: list[uuid.UUID]) -> list[list[CentreRow]]:
    async with context.db.read() as session:
        found = await centres.centres_of_products(session, ids)
    return [found[i] for i in ids]


def product_centres_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[CentreRow]]:
    context = info.context
    loader = context.loaders.get("product_export_centres")
    if loader is None:

        async def load(keys: list[uuid.UUID]) -> list[list[CentreRow]]:
            return await _centres_of(context, keys)

        loader = DataLoader(load_fn=load)
        context.loaders["product_export_centres"] = loader
    return loader


async def _centres(context: Context, ids: list[uuid.UUID]) -> list[CentreRow | None]:
    async with context.db.read() as session:
        found = await centres.centres_by_id(session, ids)
    return [found.get(i) for i in ids]


def centre_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, CentreRow | None]:
    context = info.context
    loader = context.loaders.get("export_centres")
    if loader is None:

        async def load(keys: list[uuid.UUID]) -> list[CentreRow | None]:
            return await _centres(context, keys)

        loader = DataLoader(load_fn=load)
        context.loaders["export_centres"] = loader
    return loader
