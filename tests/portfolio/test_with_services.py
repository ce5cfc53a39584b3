"""scripts/with_services.sh, the wrapper of `make test`: a signal stops the command and ends the
script (services stopped by its EXIT trap), and a run that collects no tests fails."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "with_services.sh"

# A command that says it started, then waits; on Ctrl-C it reports it and exits 2 like pytest.
CHILD = """
import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
try:
    time.sleep(60)
except KeyboardInterrupt:
    open(sys.argv[1] + ".interrupted", "a").write("x")
    sys.exit(2)
"""


def run(*command: str) -> subprocess.Popen:
    # DATABASE_URL and REDIS_URL given: the script uses them instead of starting its own, so
    # only its signal handling and exit status are under test here.
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    return subprocess.Popen(  # noqa: S603 -- argv is built in this file
        [shutil.which("bash") or "/bin/bash", str(SCRIPT), *command],
        env=env,
        start_new_session=True,  # its own process group, as a terminal would give it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def started(marker: Path) -> int:
    for _ in range(200):
        if marker.exists() and marker.read_text():
            return int(marker.read_text())
        time.sleep(0.05)
    pytest.fail("the command never started")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_no_tests_collected_is_a_failure(tmp_path):
    process = run(sys.executable, "-c", "raise SystemExit(5)")
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "No tests were collected" in err


def test_the_command_status_is_the_script_status(tmp_path):
    process = run(sys.executable, "-c", "raise SystemExit(3)")
    process.communicate(timeout=30)
    assert process.returncode == 3


def test_term_stops_the_command_and_ends_the_script(tmp_path):
    marker = tmp_path / "pid"
    process = run(sys.executable, "-c", CHILD, str(marker))
    child = started(marker)
    process.send_signal(signal.SIGTERM)  # e.g. a CI timeout killing the script only
    process.communicate(timeout=15)  # the script does not wait for the command's 60 s
    assert process.returncode == 143
    assert not alive(child)


def test_ctrl_c_interrupts_the_command_once_and_ends_the_script(tmp_path):
    marker = tmp_path / "pid"
    process = run(sys.executable, "-c", CHILD, str(marker))
    child = started(marker)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    process.communicate(timeout=15)
    assert process.returncode == 130
    assert not alive(child)
    # The command saw the interrupt (pytest would print its summary) exactly once.
    assert Path(f"{marker}.interrupted").read_text() == "x"
