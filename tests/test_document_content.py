"""What an uploaded file is, by its content: pure checks, no database."""

import hashlib

import pytest

from catalog.core.errors import DomainError
from catalog.documents.content import MAX_DOCUMENT_BYTES, check_file, safe_filename, sniff
from tests.document_support import JPEG, PDF, PNG


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
)
def test_the_three_accepted_types_are_known_by_their_first_bytes(
    content: bytes, expected: str
) -> None:
    checked = check_file("whatever.exe", content)
    assert (checked.content_type, checked.size) == (expected, len(content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "EMPTY_FILE"),
        (b"GIF89a" + b"\x00" * 10, "UNSUPPORTED_TYPE"),
        (b"<svg onload=alert(1)>", "UNSUPPORTED_TYPE"),
        (b" %PDF-1.4", "UNSUPPORTED_TYPE"),  # the magic must come first
        (PDF + b"\x00" * (MAX_DOCUMENT_BYTES + 1 - len(PDF)), "TOO_LARGE"),
    ],
)
def test_anything_else_is_refused_with_a_code(content: bytes, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_file("certificate.pdf", content)
    assert refused.value.code == code and refused.value.problems[0].field == "file"
    assert sniff(content) is None or code == "TOO_LARGE"


def test_a_file_of_exactly_the_limit_is_accepted() -> None:
    content = PDF + b"\x00" * (MAX_DOCUMENT_BYTES - len(PDF))
    assert check_file("big.pdf", content).size == MAX_DOCUMENT_BYTES


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("certificate.pdf", "certificate.pdf"),
        ("C:\\Users\\x\\EUC 2026.pdf", "EUC_2026.pdf"),
        ("../../etc/passwd", "passwd"),
        ('a"; filename="evil.html', "a_filename_evil.html"),
        ("сертифікат.pdf", "pdf"),
        ("", "document.pdf"),
        (None, "document.pdf"),
        ("x" * 300 + ".pdf", "x" * 120),
    ],
)
def test_file_names_are_reduced_to_safe_ascii(given: str | None, expected: str) -> None:
    assert safe_filename(given, "application/pdf") == expected
