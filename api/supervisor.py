"""The process manager behind `market run-prod`: keeps its children running.

A child that exits is started again after a delay that doubles with each exit in the last
`window` seconds (0.5 s, 1 s, 2 s …, at most `max_delay`). A child that keeps exiting right
after it starts (`limit` exits within `window`) is a configuration or code error that restarts
cannot mend: then everything is stopped and the supervisor returns 1, saying why. Otherwise it
returns 0 once SIGTERM or SIGINT (`children.Stopped`) or `until()` asks it to stop.
"""

import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from api import children

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 0.5
    max_delay: float = 30.0
    limit: int = 5
    window: float = 60.0
    # How long a child gets to stop on SIGTERM before its process group is killed: the API's
    # graceful shutdown (GRACEFUL_SHUTDOWN_SECONDS, 30 by default) plus a margin.
    stop_timeout: float = 35.0

    def delay(self, recent_exits: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** max(0, recent_exits - 1))


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    exits: deque[float] = field(default_factory=deque)

    def start(self) -> None:
        # A group of its own: the API child's uvicorn workers are stopped (or killed) with it.
        self.process = children.spawn(
            self.command, own_group=True, cwd=ROOT, env={**os.environ, **self.env}
        )
        self.started_at = time.monotonic()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exited(self, now: float, window: float) -> int:
        """Record an exit; the number of exits within the last `window` seconds."""
        self.exits.append(now)
        while self.exits and self.exits[0] < now - window:
            self.exits.popleft()
        return len(self.exits)


def describe(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"status {code}"


def stop_all(group: list[Child], timeout: float) -> None:
    """SIGTERM to every child at once, then wait; what is left at the deadline is killed."""
    running = [child.process for child in group if child.running()]
    for process in running:
        assert process is not None
        children.signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        assert process is not None
        children.stop(process, max(0.1, deadline - time.monotonic()))


def _check(child: Child, now: float, policy: RestartPolicy, say: Callable[[str], None]) -> bool:
    """Start a child whose restart is due, or schedule one for a child that exited; False
    when the child keeps crashing and the supervisor should give up."""
    if child.restart_at is not None:
        if now >= child.restart_at:
            child.restart_at = None
            child.start()
            assert child.process is not None
            say(f"restarted {child.name} (pid {child.process.pid})")
        return True
    assert child.process is not None
    code = child.process.poll()
    if code is None:
        return True
    ran = now - child.started_at
    recent = child.exited(now, policy.window)
    if recent >= policy.limit:
        say(
            f"{child.name} exited {recent} times within {policy.window:.0f} s (the last with "
            f"{describe(code)} after {ran:.1f} s): it keeps crashing right after it starts, so "
            "run-prod gives up and stops everything; see the log above for the cause"
        )
        return False
    delay = policy.delay(recent)
    child.restart_at = now + delay
    say(
        f"{child.name} exited with {describe(code)} after {ran:.1f} s; restarting it in "
        f"{delay:.1f} s ({recent} of {policy.limit} exits allowed within {policy.window:.0f} s)"
    )
    return True


def supervise(
    group: list[Child],
    say: Callable[[str], None],
    policy: RestartPolicy | None = None,
    *,
    until: Callable[[], bool] = lambda: False,
    poll_seconds: float = 0.2,
) -> int:
    """Run the children until asked to stop (0) or until one keeps crashing (1)."""
    policy = policy or RestartPolicy()
    try:
        for child in group:
            say(f"starting {child.name}: {' '.join(child.command[2:])}")
            child.start()
        while not until():
            now = time.monotonic()
            if not all([_check(child, now, policy, say) for child in group]):
                return 1
            time.sleep(poll_seconds)
        return 0
    except children.Stopped as stopped:
        say(f"{stopped.signal_name} received: stopping")
        return 0
    finally:
        stop_all(group, policy.stop_timeout)
