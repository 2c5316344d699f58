"""The dependency lock: `requirements.lock`, every Python package pinned with its hashes.

    python3 scripts/lock.py check      # the lock was made from pyproject.toml as it is now
    python scripts/lock.py compile     # `make lock`: resolve again with uv (`--upgrade` too)
    python scripts/lock.py sync        # remove from the running venv what the lock does not name

The lock is resolved once, for every platform and every Python from 3.11 on, from the
project's dependencies, all of its extras, its build requirements and pip itself; `make setup`
installs exactly that (`pip install --require-hashes`). Its first line records a digest of
those inputs, so `check` needs neither the network nor a venv: CI and `make setup` run it
before installing anything, and a dependency added to pyproject.toml without `make lock`
fails there with a message that says so.
"""

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
PROJECT = "defence-export-market"
# Installed from the lock too, so that the installer itself is the same everywhere.
TOOLS = ["pip"]
# The oldest Python the project supports: the lock holds markers for anything newer needs.
PYTHON_VERSION = "3.11"
DIGEST_LINE = re.compile(r"^# inputs sha256=([0-9a-f]{64})$")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
REFRESH = "run `make lock` and commit requirements.lock"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def inputs(pyproject: dict) -> dict:
    """Everything the lock is resolved from, in a stable order."""
    project = pyproject["project"]
    extras = project.get("optional-dependencies", {})
    return {
        "requires-python": project.get("requires-python", ""),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {name: sorted(extras[name]) for name in sorted(extras)},
        "build-system": sorted(pyproject.get("build-system", {}).get("requires", [])),
        "tools": sorted(TOOLS),
        "python": PYTHON_VERSION,
    }


def digest(pyproject: dict) -> str:
    encoded = json.dumps(inputs(pyproject), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def recorded_digest(lock_text: str) -> str | None:
    first = lock_text.split("\n", 1)[0]
    found = DIGEST_LINE.match(first)
    return found.group(1) if found else None


def pins(lock_text: str) -> dict[str, tuple[str, str | None]]:
    """Canonical name -> (version, environment marker or None) for each pinned package."""
    found = {}
    for line in lock_text.splitlines():
        match = PIN.match(line)
        if match:
            found[canonical(match.group(1))] = (match.group(2), match.group(3))
    return found


def unpinned_hashes(lock_text: str) -> list[str]:
    """Pinned packages that carry no hash (pip's --require-hashes would refuse them)."""
    missing = []
    lines = lock_text.splitlines()
    for index, line in enumerate(lines):
        match = PIN.match(line)
        if match and not (index + 1 < len(lines) and "--hash=sha256:" in lines[index + 1]):
            missing.append(match.group(1))
    return missing


def problems(pyproject: dict, lock_text: str) -> list[str]:
    """Why the lock does not belong to this pyproject.toml; empty when it does."""
    recorded = recorded_digest(lock_text)
    if recorded is None:
        return ["requirements.lock has no inputs digest on its first line"]
    found = []
    if recorded != digest(pyproject):
        found.append(
            "the dependencies in pyproject.toml (or its build requirements) changed since "
            "requirements.lock was made"
        )
    found += [f"{name} is pinned without a hash" for name in unpinned_hashes(lock_text)]
    return found


def check(root: Path = ROOT) -> int:
    """0 when the lock in `root` belongs to its pyproject.toml; else 1, saying what to do."""
    lock = root / LOCK.name
    if not lock.exists():
        print(f"requirements.lock is missing: {REFRESH}", file=sys.stderr)
        return 1
    pyproject = tomllib.loads((root / PYPROJECT.name).read_text(encoding="utf-8"))
    found = problems(pyproject, lock.read_text(encoding="utf-8"))
    for problem in found:
        print(f"lock out of date: {problem}; {REFRESH}", file=sys.stderr)
    return 1 if found else 0


def compile_lock(upgrade: bool) -> int:
    """Resolve with uv (installed in the venv by `make lock`), keeping the current pins of
    packages whose requirements still allow them unless `upgrade`."""
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    extra = "\n".join([*pyproject.get("build-system", {}).get("requires", []), *TOOLS])
    uv = Path(sys.executable).parent / "uv"
    command = [str(uv), "pip", "compile", "pyproject.toml", "-", "--all-extras"]
    command += ["--generate-hashes", "--universal", "--python-version", PYTHON_VERSION]
    command += ["--custom-compile-command", "make lock", "--quiet", "-o", LOCK.name]
    if upgrade:
        command.append("--upgrade")
    completed = subprocess.run(command, cwd=ROOT, input=extra, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        return completed.returncode
    body = LOCK.read_text(encoding="utf-8")
    if recorded_digest(body) is not None:  # uv keeps the comment lines it found at the top
        body = body.split("\n", 1)[1]
    LOCK.write_text(f"# inputs sha256={digest(pyproject)}\n{body}", encoding="utf-8")
    print(f"wrote {LOCK.name}: {len(pins(body))} packages")
    return 0


def applies(marker: str | None) -> bool:
    if marker is None:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # before the lock is installed: pip's own copy
        from pip._vendor.packaging.markers import Marker
    return Marker(marker).evaluate()


def extraneous(installed: dict[str, str], locked: dict[str, tuple[str, str | None]]) -> list[str]:
    """Installed distributions the lock does not ask for on this platform (the project
    itself aside): what a fresh `make setup` would not have."""
    wanted = {name for name, (_, marker) in locked.items() if applies(marker)}
    return sorted(name for name in installed if name not in wanted and name != PROJECT)


def installed_distributions() -> dict[str, str]:
    return {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def sync() -> int:
    """Make the venv exactly the lock: uninstall what it does not name (a dependency that was
    dropped, a tool installed by hand)."""
    surplus = extraneous(installed_distributions(), pins(LOCK.read_text(encoding="utf-8")))
    if not surplus:
        return 0
    print(f"removing packages the lock does not name: {' '.join(surplus)}")
    command = [sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", *surplus]
    return subprocess.run(command, check=False).returncode  # noqa: S603


def main(arguments: list[str]) -> int:
    commands = {
        "check": check,
        "compile": lambda: compile_lock(upgrade="--upgrade" in arguments),
        "sync": sync,
    }
    if not arguments or arguments[0] not in commands:
        print(f"usage: lock.py {{{','.join(commands)}}} [--upgrade]", file=sys.stderr)
        return 2
    return commands[arguments[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
