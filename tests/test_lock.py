"""The dependency lock (requirements.lock) belongs to pyproject.toml, and the venv is the lock:
what `make setup` installs on a fresh clone is exactly what the lock pins."""

import shutil
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from scripts import lock

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _locked() -> dict[str, tuple[str, str | None]]:
    return lock.pins((ROOT / "requirements.lock").read_text(encoding="utf-8"))


def test_the_lock_was_made_from_pyproject_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert lock.check(ROOT) == 0, capsys.readouterr().err


def test_every_declared_requirement_is_pinned_within_its_range() -> None:
    pyproject = _pyproject()
    declared = [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    for extra in pyproject["project"]["optional-dependencies"].values():
        declared += extra
    locked = _locked()
    for text in declared:
        requirement = Requirement(text)
        name = lock.canonical(requirement.name)
        assert name in locked, f"{text} is not in requirements.lock"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (text, version)


def test_the_environment_has_exactly_the_locked_versions() -> None:
    installed = lock.installed_distributions()
    for name, (version, marker) in _locked().items():
        if lock.applies(marker):
            found = installed.get(name)
            assert found == version, f"{name}: {version} locked, {found} installed: make setup"
    assert metadata.version(lock.PROJECT)  # the project itself, installed from the worktree


def test_a_dependency_added_without_relocking_fails_the_check_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "requirements.lock", tmp_path)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    changed = text.replace('"redis>=8.1,<9",', '"redis>=8.1,<9",\n    "orjson>=3",', 1)
    assert changed != text
    (tmp_path / "pyproject.toml").write_text(changed, encoding="utf-8")

    assert lock.check(tmp_path) == 1
    message = capsys.readouterr().err
    assert "pyproject.toml" in message
    assert "run `make lock`" in message


def test_a_pin_without_hash_or_a_lock_without_digest_is_refused() -> None:
    pyproject = _pyproject()
    body = f"# inputs sha256={lock.digest(pyproject)}\nrich==15.0.0\n    # via x\n"
    assert lock.problems(pyproject, body) == ["rich is pinned without a hash"]
    assert lock.problems(pyproject, "rich==15.0.0 \\\n    --hash=sha256:00\n") == [
        "requirements.lock has no inputs digest on its first line"
    ]


def test_reordering_the_dependencies_keeps_the_lock_current() -> None:
    pyproject = _pyproject()
    reordered = {
        **pyproject,
        "project": {
            **pyproject["project"],
            "dependencies": list(reversed(pyproject["project"]["dependencies"])),
        },
    }
    assert lock.digest(reordered) == lock.digest(pyproject)


def test_sync_removes_what_the_lock_does_not_name_on_this_platform() -> None:
    locked = {
        "rich": ("15.0.0", None),
        "colorama": ("0.4.6", "sys_platform == 'win32'"),
        "uvloop": ("0.23.0", "sys_platform != 'win32'"),
    }
    installed = {"rich": "15.0.0", "uvloop": "0.23.0", "colorama": "0.4.6", "py-spy": "0.4"}
    installed[lock.PROJECT] = "0.1.0"
    assert lock.extraneous(installed, locked) == ["colorama", "py-spy"]
