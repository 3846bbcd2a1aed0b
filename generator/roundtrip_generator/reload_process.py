"""Runs the reload checks of a case folder in a fresh interpreter and collects them.

A fresh process matters: classes registered or imported while writing would make the ``argument`` and
``absent`` load modes pass trivially. Importing TensorFlow and Keras costs seconds of CPU per process, so a
worker keeps one ``reload-server``: a process that has imported them, and the reload code, and nothing of any
case, and forks a child per case folder (``reload_server``). The child starts as a new ``reload`` process would
after its imports. The worker forks the server from itself once its imports are done, before its first case (one
TensorFlow import instead of two); a server started later (the first one died) is a new interpreter, since the
worker then holds cases' classes. Where fork is unavailable, or ``KERAS_ROUNDTRIP_RELOAD_FORK=0``, or the server
fails, each case gets its own ``python -m roundtrip_generator reload <outDir>`` as before.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from .phase_times import PhaseTimes

RELOAD_TIMEOUT_SECONDS = 600
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)
_server: subprocess.Popen | _ForkedServer | None = None


def _child_environment() -> dict:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, environment.get("PYTHONPATH")]))
    return environment


def forking_enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("KERAS_ROUNDTRIP_RELOAD_FORK", "1") != "0"


class _ForkedServer:
    """A server forked from this process, with what this module uses of a ``Popen``: its pipes, poll, wait, kill."""

    def __init__(self, pid: int, stdin, stdout) -> None:
        self.pid, self.stdin, self.stdout = pid, stdin, stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["reload-server"], timeout)
            time.sleep(0.05)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def fork_reload_server(close_in_server: tuple[int, ...] = ()) -> None:
    """The server as a fork of this process, which must have imported TensorFlow and Keras and nothing of any case
    (the worker before its first request). ``close_in_server``: descriptors only this process may hold (the replies)."""
    global _server
    if not forking_enabled() or (_server is not None and _server.poll() is None):
        return
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    sys.stdout.flush()  # nothing this process buffered may reach the server's replies
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the server: requests on fd 0, replies on fd 1, as a started ``reload-server`` has them
        status = 1
        try:
            os.dup2(requests_read, 0)
            os.dup2(replies_write, 1)
            for descriptor in (requests_read, requests_write, replies_read, replies_write, *close_in_server):
                os.close(descriptor)
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 - the server's stdin for good
            from .reload_server import serve

            status = serve()
        except BaseException:  # noqa: BLE001 - reported on stderr; the worker sees the server gone
            import traceback

            traceback.print_exc(file=sys.stderr)
        finally:
            sys.stderr.flush()
            os._exit(status)
    os.close(requests_read)
    os.close(replies_write)
    _server = _ForkedServer(pid, os.fdopen(requests_write, "wb"), os.fdopen(replies_read, "rb"))


def start_reload_server() -> None:
    """Starts the server ahead of the first case, so its imports overlap the worker's first model build."""
    global _server
    if not forking_enabled() or (_server is not None and _server.poll() is None):
        return
    # stderr is inherited: the server's and its children's TensorFlow logs join the worker's run log.
    _server = subprocess.Popen(
        [sys.executable, "-m", "roundtrip_generator", "reload-server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_child_environment(),
    )


@atexit.register
def _close_server() -> None:
    """End of input ends the server; waiting for it keeps its CPU time in this process's accounting."""
    global _server
    if _server is None:
        return
    try:
        if _server.stdin is not None:
            _server.stdin.close()
        _server.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        _server.kill()
        _server.wait()
    _server = None


def _stop_server() -> None:
    global _server
    if _server is not None:
        _server.kill()
        _server.wait()
    _server = None


def _ask_server(out_dir: Path, formats: list[str]) -> tuple[list[dict], float] | None:
    """The server's checks for ``out_dir`` (of ``formats``) and its child's CPU seconds, or None when the server cannot
    answer (then it is stopped)."""
    start_reload_server()
    server = _server
    if server is None or server.stdin is None or server.stdout is None:
        return None
    try:
        server.stdin.write((json.dumps({"outDir": str(out_dir)}) + "\n").encode())
        server.stdin.flush()
        # The server enforces the per-case timeout on its child; this margin covers the server itself hanging.
        ready, _, _ = select.select([server.stdout], [], [], RELOAD_TIMEOUT_SECONDS + 30)
        line = server.stdout.readline() if ready else b""
        answer = json.loads(line)
    except (OSError, ValueError):
        _stop_server()
        return None
    if "pythonChecks" not in answer:
        return _process_errors(formats, answer.get("error", "reload server answered without checks")), 0.0
    return answer["pythonChecks"], float(answer.get("cpuSeconds", 0.0))


def run_reload_process(out_dir: Path, formats: list[str], times: PhaseTimes | None = None) -> list[dict]:
    """The reload checks as JSON, or one ``error`` check per format when the process itself fails; the child's CPU
    seconds go to ``times.child_cpu_seconds``."""
    times = times or PhaseTimes()
    if forking_enabled():
        answer = _ask_server(out_dir, formats)
        if answer is not None:
            checks, cpu_seconds = answer
            times.child_cpu_seconds += cpu_seconds
            return checks
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        return _run_reload_command(out_dir, formats)
    finally:
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.child_cpu_seconds += (children_after.ru_utime + children_after.ru_stime) - (
            children_before.ru_utime + children_before.ru_stime
        )


def _run_reload_command(out_dir: Path, formats: list[str]) -> list[dict]:
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "roundtrip_generator", "reload", str(out_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=_child_environment(),
            timeout=RELOAD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _process_errors(formats, f"reload process exceeded {RELOAD_TIMEOUT_SECONDS} s")
    lines = completed.stdout.decode("utf-8", "replace").strip().splitlines()
    if completed.returncode != 0 or not lines:
        return _process_errors(formats, f"reload process exited with code {completed.returncode}")
    try:
        return json.loads(lines[-1])["pythonChecks"]
    except (ValueError, KeyError) as error:
        return _process_errors(formats, f"reload process answered no JSON: {error}")


def _process_errors(formats: list[str], message: str) -> list[dict]:
    return [
        {"format": name, "check": "reload", "status": "error", "message": message, "maxAbsDiff": None}
        for name in formats
    ]
