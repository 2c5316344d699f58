"""run-prod's process manager (api/supervisor.py) with small real child processes: a child
that exits is restarted with backoff, one that keeps crashing makes it give up and say why,
and a stop signal stops every child."""

import os
import signal
import sys
from pathlib import Path

from api.children import stop_signals_raise
from api.supervisor import Child, RestartPolicy, supervise

FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, limit=5, window=60, stop_timeout=10)
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _python(code: str, *arguments: str) -> list[str]:
    return [sys.executable, "-c", code, *arguments]


def test_a_child_that_keeps_crashing_makes_it_give_up_with_the_reason() -> None:
    said: list[str] = []
    api = Child("api", SLEEPER)
    worker = Child("worker", _python("import sys; sys.exit(3)"))

    code = supervise([api, worker], said.append, FAST)

    assert code == 1
    restarts = [line for line in said if line.startswith("worker exited with status 3")]
    assert len(restarts) == 4, said  # the 5th exit within the window is the last
    assert [line.split("restarting it in ")[1].split(" s")[0] for line in restarts] == [
        "0.1",  # 0.05 s, rounded
        "0.1",
        "0.2",
        "0.2",  # at most max_delay
    ]
    assert len([line for line in said if line.startswith("restarted worker")]) == 4
    assert said[-1].startswith("worker exited 5 times within 60 s (the last with status 3")
    assert "gives up and stops everything" in said[-1]
    # Nothing is left running: the healthy child was stopped with the rest.
    assert api.process is not None and api.process.poll() is not None
    assert not any(line.startswith("api exited") for line in said)


def test_a_crashed_child_is_restarted_and_the_others_are_left_alone(tmp_path: Path) -> None:
    marker = tmp_path / "crashed-once"
    crash_once = _python(
        "import pathlib, sys, time\n"
        "marker = pathlib.Path(sys.argv[1])\n"
        "if not marker.exists():\n"
        "    marker.write_text('x')\n"
        "    sys.exit(1)\n"
        "time.sleep(120)\n",
        str(marker),
    )
    said: list[str] = []
    api = Child("api", SLEEPER)
    worker = Child("worker", crash_once)
    first_api: list[int] = []

    def restarted_and_running() -> bool:
        if api.process is not None and not first_api:
            first_api.append(api.process.pid)
        return any(line.startswith("restarted worker") for line in said) and worker.running()

    code = supervise([api, worker], said.append, FAST, until=restarted_and_running)

    assert code == 0, said
    assert any(line.startswith("worker exited with status 1 after") for line in said), said
    assert api.process is not None and [api.process.pid] == first_api  # never restarted
    assert api.process.poll() is not None and worker.process is not None
    assert worker.process.poll() is not None  # both stopped once supervision ended


def test_sigterm_stops_every_child_and_counts_as_a_clean_stop() -> None:
    said: list[str] = []
    group = [Child("api", SLEEPER), Child("worker", SLEEPER)]
    sent: list[bool] = []

    def send_sigterm_once() -> bool:
        if not sent and all(child.running() for child in group):
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)
        return False

    with stop_signals_raise():
        code = supervise(group, said.append, FAST, until=send_sigterm_once)

    assert code == 0
    assert said[-1] == "SIGTERM received: stopping"
    assert all(child.process is not None and child.process.poll() is not None for child in group)
    assert not any("restart" in line for line in said)


def test_backoff_doubles_up_to_its_cap() -> None:
    policy = RestartPolicy(first_delay=0.5, max_delay=30)
    assert [policy.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]


def test_only_exits_within_the_window_count() -> None:
    child = Child("worker", SLEEPER)
    counts = [child.exited(at, window=60) for at in (0, 10, 20, 30, 100, 110)]
    assert counts == [1, 2, 3, 4, 1, 2]
