"""Runs the reload checks of a case folder in a fresh interpreter and collects them.

A fresh process matters: classes registered or imported while writing would make the ``argument`` and
``absent`` load modes pass trivially. Importing TensorFlow and Keras costs seconds of CPU per process, so a
worker keeps one ``reload-server``: a process that has imported them, and the reload code, and nothing of any
case, and forks a child per case folder (``reload_server``). The child starts as a new ``reload`` process would
after its imports. Where fork is unavailable, or ``KERAS_ROUNDTRIP_RELOAD_FORK=0``, or the server fails, each
case gets its own ``python -m roundtrip_generator reload <outDir>`` as before.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
from pathlib import Path

RELOAD_TIMEOUT_SECONDS = 600
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)
_server: subprocess.Popen | None = None


def _child_environment() -> dict:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, environment.get("PYTHONPATH")]))
    return environment


def forking_enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("KERAS_ROUNDTRIP_RELOAD_FORK", "1") != "0"


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


def _ask_server(out_dir: Path, formats: list[str]) -> list[dict] | None:
    """The server's checks for ``out_dir`` (of ``formats``), or None when the server cannot answer (then it is
    stopped)."""
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
        return _process_errors(formats, answer.get("error", "reload server answered without checks"))
    return answer["pythonChecks"]


def run_reload_process(out_dir: Path, formats: list[str]) -> list[dict]:
    """The reload checks as JSON, or one ``error`` check per format when the process itself fails."""
    if forking_enabled():
        checks = _ask_server(out_dir, formats)
        if checks is not None:
            return checks
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
