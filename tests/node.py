"""Runs the node scripts of tests/conformance (npm packages installed there by `make setup`)."""

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

CONFORMANCE = Path(__file__).resolve().parent / "conformance"


async def run_node_script(script: str, **env: str) -> Any:
    """Run `script` with `env` added to the environment and return its JSON output. Fails
    (never skips) when node or the npm packages are missing: `make setup` installs them."""
    node = shutil.which("node")
    assert node, "node is not installed; it is needed for the GraphQL-over-HTTP tests"
    assert (CONFORMANCE / "node_modules").is_dir(), "run `make setup` to install npm packages"
    process = await asyncio.create_subprocess_exec(
        node,
        str(CONFORMANCE / script),
        cwd=CONFORMANCE,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)
