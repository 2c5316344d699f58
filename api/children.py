"""Child processes that never outlive the command that started them.

Three ways a command ends, three guards:
- SIGTERM or SIGINT: `stop_signals_raise()` turns both into `Stopped`, so `finally` blocks stop
  the children (Python's default SIGTERM ends the process on the spot and runs none of them);
- an exception: the same `finally` blocks;
- SIGKILL, a segfault, the OOM killer: no code of ours runs, so every child is started with
  `PR_SET_PDEATHSIG` (Linux) and the kernel sends it SIGTERM when its parent is gone.

The death signal belongs to the *thread* that started the child: start long-lived children
from the main thread or from a thread that lives as long as they should (an event loop's
default executor does).
"""

import ctypes
import functools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _load_prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once here: a child between fork and exec should do as little as possible.
_PRCTL = _load_prctl()


def die_with_parent(parent_pid: int, sig: int = signal.SIGTERM) -> None:
    """In the child: have the kernel send `sig` when the parent ends. If the parent ended
    before this ran (the child was already handed to init), exit at once."""
    if _PRCTL is None:
        return
    _PRCTL(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)


def spawn(command: list[str], *, own_group: bool = False, **options: Any) -> subprocess.Popen:
    """`subprocess.Popen` for a child that dies with this process. `own_group` puts it in a
    process group of its own: a terminal's Ctrl-C then reaches only this process, which stops
    its children in its own order, and `stop()` can reach the child's own children too."""
    if own_group:
        options["process_group"] = 0
    preexec = functools.partial(die_with_parent, os.getpid())
    return subprocess.Popen(command, preexec_fn=preexec, **options)  # noqa: S603


def run(command: list[str], **options: Any) -> subprocess.CompletedProcess:
    """`subprocess.run` for a child that dies with this process (and is killed if this
    process is interrupted while waiting for it)."""
    preexec = functools.partial(die_with_parent, os.getpid())
    return subprocess.run(command, preexec_fn=preexec, **options)  # noqa: S603


def signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the child's process group when it leads one, else the child alone."""
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
    except ProcessLookupError:
        pass


def stop(process: subprocess.Popen, timeout: float) -> int | None:
    """SIGTERM, then SIGKILL to the whole group if it has not exited within `timeout`."""
    if process.poll() is None:
        signal_group(process, signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        return process.wait()


class Stopped(SystemExit):
    """SIGTERM or SIGINT arrived: unwind (running every `finally`), then exit with status 0,
    the stop having been asked for."""

    def __init__(self, signum: int) -> None:
        super().__init__(0)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within: the first SIGTERM/SIGINT raises `Stopped` in the main thread; later ones are
    ignored, so that the cleanup they interrupt still finishes (it is bounded by timeouts)."""
    received: list[int] = []

    def handler(signum: int, _frame: object) -> None:
        if received:
            return
        received.append(signum)
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
