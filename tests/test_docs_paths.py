"""Every repository path the README and docs/*.md name exists, or is written by a command
they name.

Checked: each word of code, inline (`catalog/visibility.py`, `make bench` …) or fenced, and
each link target. A word counts as a path when it has a `/` and either a file extension or a first
folder that is one of the repository's own top-level folders; bare test file names
(`test_leaks.py`, `test_auth_*.py`) are looked up in tests/. Code names paths from the repository
root; links are relative to the document, as a Markdown viewer resolves them.
URLs, HTTP routes (`/graphql`), placeholders (`tests/<file>`) and Python dotted names are not
paths. Files that commands write are listed in GENERATED with the command; where a document
quotes a results file (RESULT_FILES), it names the command that writes it in the same paragraph.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Written by commands, not kept in the repository.
GENERATED = {
    ".venv/": "make setup (the virtual environment and its `market` script)",
    ".cache/": "make meili (the pinned Meilisearch binary)",
    "tests/conformance/node_modules": "make setup (npm ci)",
    "var/": "market migrate / market seed-demo / make run (database, demo credentials)",
    "test-output/": "the browser tests (screenshots)",
    "bench/results/": "make bench / make bench-quick (latest.json, profiles)",
}

# Files whose figures the documents quote: wherever one is named, the same paragraph (or code
# block) names a command that writes it, so a reader can regenerate what is not in git.
RESULT_FILES = {"bench/results/": ("make bench", "bench.run", "bench.profile")}

CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}$")
TEST_FILE = re.compile(r"^test_[\w*]+\.py$")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _top_level_folders() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")} | {".ci"}


def _is_path(word: str, top_level: set[str]) -> bool:
    if "/" not in word or "://" in word or word.startswith("/") or "<" in word or "…" in word:
        return False
    first = word.split("/", 1)[0]
    return bool(EXTENSION.search(word.rstrip("/"))) or first in top_level


def _generated(path: str) -> bool:
    return any(path == prefix.rstrip("/") or path.startswith(prefix) for prefix in GENERATED)


def _exists(base: Path, path: str) -> bool:
    path = path.rstrip("/")
    if "*" in path:
        return any(base.glob(path))
    return (base / path).exists()


def named_paths(document: Path) -> list[tuple[Path, str]]:
    """(base folder, path) for every path the document names."""
    text = document.read_text(encoding="utf-8")
    fences = [block.group(0) for block in FENCE.finditer(text)]
    text = FENCE.sub("", text)
    top_level = _top_level_folders()
    found: list[tuple[Path, str]] = []
    for code in CODE_SPAN.findall(text) + fences:
        for word in code.split():
            word = word.strip(",;:()[]\"'")
            if TEST_FILE.match(word):
                found.append((ROOT / "tests", word))
            elif _is_path(word, top_level) and not _generated(word):
                found.append((ROOT, word))
    for target in LINK.findall(text):
        target = target.split("#", 1)[0]
        if target and "://" not in target and not target.startswith("mailto:"):
            found.append((document.parent, target))
    return found


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_named_path_exists(document: Path) -> None:
    missing = [
        f"{(base / path).relative_to(ROOT) if base != ROOT else path}"
        for base, path in named_paths(document)
        if not _exists(base, path)
    ]
    assert missing == [], f"{document.name} names paths that do not exist"


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_results_file_named_comes_with_the_command_that_writes_it(document: Path) -> None:
    unexplained = [
        paragraph.strip()[:120]
        for paragraph in re.split(r"\n\s*\n", document.read_text(encoding="utf-8"))
        for prefix, commands in RESULT_FILES.items()
        if prefix in paragraph and not any(command in paragraph for command in commands)
    ]
    assert unexplained == [], "results files named without the command that writes them"


def test_the_checker_finds_paths_and_ignores_what_is_not_one(tmp_path: Path) -> None:
    document = tmp_path / "example.md"
    document.write_text(
        "See `catalog/visibility.py`, `make bench`, `schema/`, `test_leaks.py`,\n"
        "`GET /graphql`, `sqlite+aiosqlite:///var/market.db`, `api.main:app`,\n"
        "`tests/<file>`, `var/demo-credentials.json` and [the guide](guide.md#top),\n"
        "[Performance](#performance), <https://example.org>.\n"
        "```sh\n.venv/bin/market serve  # see docs/deployment.md\n```\n"
    )
    assert named_paths(document) == [
        (ROOT, "catalog/visibility.py"),
        (ROOT, "schema/"),
        (ROOT / "tests", "test_leaks.py"),
        (ROOT, "docs/deployment.md"),
        (tmp_path, "guide.md"),
    ]
