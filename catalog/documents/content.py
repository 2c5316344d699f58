"""What an uploaded file is, decided by its content and never by its name: the magic bytes of
the three accepted types, the size limit and the stored file name. Pure functions."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from catalog.core.errors import DomainError

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
UNSUPPORTED_TYPE = "UNSUPPORTED_TYPE"
TOO_LARGE = "TOO_LARGE"
EMPTY = "EMPTY_FILE"

# The first bytes of each accepted type, and the content type the file is stored and served
# with (whatever the client claimed).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True, slots=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes


def sniff(content: bytes) -> str | None:
    """The content type of a PDF, PNG or JPEG file; None for anything else."""
    for magic, content_type in MAGIC:
        if content.startswith(magic):
            return content_type
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    """A file name safe to send back in Content-Disposition: the base name, printable ASCII
    letters, digits, dot, dash and underscore only, at most 120 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._")[:120]
    return cleaned or "document." + content_type.rsplit("/", 1)[-1]


def check_file(filename: str | None, content: bytes) -> CheckedFile:
    """The file as it will be stored, or a DomainError naming why it is refused."""
    if not content:
        raise DomainError.one("the file is empty", EMPTY, "file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DomainError.one(
            f"the file is over the limit of {MAX_DOCUMENT_BYTES} bytes", TOO_LARGE, "file"
        )
    content_type = sniff(content)
    if content_type is None:
        raise DomainError.one(
            "only PDF, PNG and JPEG files are accepted (checked by content)",
            UNSUPPORTED_TYPE,
            "file",
        )
    return CheckedFile(
        filename=safe_filename(filename, content_type),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
