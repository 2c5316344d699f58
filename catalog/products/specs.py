"""Typed specifications per product category and the combat record, validated with pydantic."""

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog.core.enums import ProductCategory
from catalog.core.errors import Codes, DomainError, Problem


class AutonomyLevel(StrEnum):
    REMOTE = "REMOTE"
    ASSISTED = "ASSISTED"
    SUPERVISED = "SUPERVISED"
    AUTONOMOUS = "AUTONOMOUS"


class _Specs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GroundDroneSpecs(_Specs):
    range_km: float | None = Field(default=None, ge=0, le=10_000)
    endurance_h: float | None = Field(default=None, ge=0, le=10_000)
    payload_kg: float | None = Field(default=None, ge=0, le=100_000)
    max_speed_kmh: float | None = Field(default=None, ge=0, le=500)
    mass_kg: float | None = Field(default=None, ge=0, le=100_000)
    drive: Literal["TRACKED", "WHEELED", "LEGGED"] | None = None
    autonomy_level: AutonomyLevel | None = None
    comms: str | None = Field(default=None, max_length=300)


class NavalDroneSpecs(_Specs):
    range_km: float | None = Field(default=None, ge=0, le=50_000)
    endurance_h: float | None = Field(default=None, ge=0, le=10_000)
    payload_kg: float | None = Field(default=None, ge=0, le=100_000)
    max_speed_knots: float | None = Field(default=None, ge=0, le=200)
    length_m: float | None = Field(default=None, ge=0, le=200)
    hull: Literal["SURFACE", "SEMI_SUBMERSIBLE", "UNDERWATER"] | None = None
    autonomy_level: AutonomyLevel | None = None
    comms: str | None = Field(default=None, max_length=300)


class SoftwareSpecs(_Specs):
    deployment: Literal["ON_PREMISES", "EDGE", "AIR_GAPPED"] | None = None
    platforms: list[str] = Field(default_factory=list, max_length=30)
    autonomy_level: AutonomyLevel | None = None
    integrations: list[str] = Field(default_factory=list, max_length=50)
    licence_model: Literal["PER_SEAT", "PER_PLATFORM", "SITE"] | None = None


class CombatRecord(_Specs):
    first_deployment: date | None = None
    roles: list[str] = Field(default_factory=list, max_length=20)
    evidence: str | None = Field(default=None, max_length=4000)


SPECS_BY_CATEGORY: dict[ProductCategory, type[_Specs]] = {
    ProductCategory.GROUND_DRONE: GroundDroneSpecs,
    ProductCategory.NAVAL_DRONE: NavalDroneSpecs,
    ProductCategory.SOFTWARE: SoftwareSpecs,
}


def _problems(error: ValidationError, field: str) -> list[Problem]:
    return [
        Problem(
            message=f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}",
            code=Codes.INVALID,
            field=field,
        )
        for e in error.errors()
    ]


def validate_specs(
    category: ProductCategory,
    raw: dict[str, Any] | None,
    *,
    given_for: ProductCategory | None = None,
) -> dict[str, Any]:
    """The specs as stored: validated for the category, JSON-ready, unknown keys refused.
    Specs given for another category (`given_for`) are refused, not read as this one's: the
    categories share field names (range, payload …) but not their meaning."""
    if given_for is not None and given_for is not category:
        raise DomainError.one(
            f"specs for {given_for.value} do not fit a {category.value} product",
            Codes.INVALID,
            "specs",
        )
    try:
        model = SPECS_BY_CATEGORY[category].model_validate(raw or {})
    except ValidationError as error:
        raise DomainError(_problems(error, "specs")) from error
    return model.model_dump(mode="json")


def validate_combat_record(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        return CombatRecord.model_validate(raw).model_dump(mode="json")
    except ValidationError as error:
        raise DomainError(_problems(error, "combatRecord")) from error
