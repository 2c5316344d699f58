"""Data files inside the packages ship with them: an installed `market` finds the demo catalogue,
the country data of migration 0001 and the SDL snapshot without a source checkout."""

import fnmatch
import tomllib
from pathlib import Path
from typing import Any


def _setuptools(project_root: Path) -> dict[str, Any]:
    config = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(config["tool"]["setuptools"])


def _shipped(relative: Path, package_data: dict[str, list[str]]) -> bool:
    """Whether a package's patterns (relative to the package's folder) match the file."""
    for package, patterns in package_data.items():
        folder = Path(*package.split("."))
        if relative.is_relative_to(folder):
            inside = relative.relative_to(folder).as_posix()
            if any(fnmatch.fnmatch(inside, pattern) for pattern in patterns):
                return True
    return False


def test_every_data_file_inside_a_package_is_package_data(project_root: Path) -> None:
    setuptools = _setuptools(project_root)
    roots = [pattern.rstrip("*") for pattern in setuptools["packages"]["find"]["include"]]
    package_data = setuptools["package-data"]
    data_files = [
        path.relative_to(project_root)
        for root in roots
        for path in (project_root / root).rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert Path("catalog/demo/demo_catalogue.json") in data_files
    assert Path("migrations/data/countries_0001.json") in data_files
    assert [f for f in data_files if not _shipped(f, package_data)] == []
