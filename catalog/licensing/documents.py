"""Documents a licensing case must carry: the routing rules that chose its queue may require
document kinds (`requires_documents`, recorded in the case's routing decision). While one is
not attached to the case's quote the case carries the flag DOCUMENT_MISSING and cannot be
approved (NOT_ALLOWED); attaching it lifts the flag in the same transaction."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.errors import Codes, DomainError
from catalog.core.transactions import WriteTransaction
from catalog.models import Document, LicensingCase

FLAG_DOCUMENT_MISSING = "DOCUMENT_MISSING"


def required_documents(case: LicensingCase) -> list[str]:
    """The kinds the current routing decision requires (none for cases routed before rules
    could require documents)."""
    return list((case.routing or {}).get("requires_documents") or [])


async def missing_documents(session: AsyncSession, case: LicensingCase) -> list[str]:
    required = required_documents(case)
    if not required:
        return []
    attached = set(
        await session.scalars(
            select(col(Document.kind)).where(
                col(Document.quote_request_id) == case.quote_request_id
            )
        )
    )
    return [kind for kind in required if kind not in attached]


def with_document_flag(flags: list[str], missing: list[str]) -> list[str]:
    kept = {flag for flag in flags if flag != FLAG_DOCUMENT_MISSING}
    return sorted(kept | {FLAG_DOCUMENT_MISSING}) if missing else sorted(kept)


async def sync_document_flag(tx: WriteTransaction, case: LicensingCase) -> None:
    """Set or lift DOCUMENT_MISSING after the case's documents or routing changed."""
    missing = await missing_documents(tx.session, case)
    flags = with_document_flag(list(case.flags), missing)
    if flags != sorted(case.flags):
        lifted = FLAG_DOCUMENT_MISSING in case.flags and not missing
        case.flags = flags
        tx.audit(
            "licensing_case.documents_complete" if lifted else "licensing_case.documents_missing",
            "LicensingCase",
            case.id,
            {"missing": missing},
        )
        tx.emit("licensing_case.changed", "LicensingCase", case.id)


async def require_documents(session: AsyncSession, case: LicensingCase) -> None:
    """Approval needs every required document attached."""
    missing = await missing_documents(session, case)
    if missing:
        raise DomainError.one(
            "not allowed until these documents are attached: " + ", ".join(missing),
            Codes.NOT_ALLOWED,
            "caseId",
        )
