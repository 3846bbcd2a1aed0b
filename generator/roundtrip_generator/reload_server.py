"""``python -m roundtrip_generator reload-server``: reload checks in forked children of a process that has imported
TensorFlow, Keras and the reload code, and nothing of any case.

Requests on stdin, one JSON line each: ``{"outDir": "/abs/case/folder"}`` (the reload checks of a folder written here)
or ``{"crossload": "/abs/golden/case/folder", "writerEnv": "tf2.16-keras3.0"}`` (another environment's folder loaded
here, ``crossload``). Replies on stdout, one JSON line each: ``{"pythonChecks": [...], "cpuSeconds": 0.7}`` (the child's
CPU seconds), or ``{"error": "..."}`` when
the child crashed, timed out or answered nothing. Each child runs the checks of one folder and exits; the server
itself never builds, loads or registers anything, so every child starts as a fresh ``reload`` or ``crossload`` process
would after its imports. stdout is pointed at stderr first, so library output can never corrupt a reply.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

from .reload_process import RELOAD_TIMEOUT_SECONDS


def serve() -> int:
    from .tensorflow_setup import (
        freeze_imported_objects,
        import_format_libraries,
        import_tensorflow,
        redirect_stdout_to_stderr,
    )

    replies = redirect_stdout_to_stderr()
    import_tensorflow()
    import_format_libraries()
    # Imported here, before any fork, so no child pays for them.
    from .crossload import run_cross_load_checks
    from .reload import run_reload_checks

    freeze_imported_objects()  # also spares the children copying pages the collector would touch

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if "crossload" in request:
                checks = partial(run_cross_load_checks, Path(request["crossload"]).resolve(), str(request["writerEnv"]))
            else:
                checks = partial(run_reload_checks, Path(request["outDir"]).resolve())
        except (ValueError, KeyError, TypeError) as error:
            reply = {"error": f"request is not {{'outDir': ...}} or {{'crossload': ..., 'writerEnv': ...}}: {error}"}
        else:
            reply = _run_child(checks)
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


def _run_child(checks: Callable[[], list[dict]]) -> dict:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one folder's checks, then exit without running the server's cleanup
        os.close(read_end)
        status = 0
        try:
            answer = json.dumps({"pythonChecks": checks()}).encode()
        except BaseException:  # noqa: BLE001 (reported to the server as the child's answer)
            traceback.print_exc(file=sys.stderr)
            answer, status = b"", 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(answer)
        sys.stderr.flush()
        os._exit(status)
    os.close(write_end)
    return _collect(pid, read_end)


def _collect(pid: int, read_end: int) -> dict:
    chunks: list[bytes] = []
    deadline = time.monotonic() + RELOAD_TIMEOUT_SECONDS
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([pipe], [], [], max(remaining, 0))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"error": f"reload process exceeded {RELOAD_TIMEOUT_SECONDS} s"}
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    if os.WIFSIGNALED(status):
        return {"error": f"reload process was killed by signal {os.WTERMSIG(status)}"}
    if os.WEXITSTATUS(status) != 0 or not chunks:
        return {"error": f"reload process exited with code {os.WEXITSTATUS(status)}"}
    try:
        answer = json.loads(b"".join(chunks))
    except ValueError as error:
        return {"error": f"reload process answered no JSON: {error}"}
    return {**answer, "cpuSeconds": round(usage.ru_utime + usage.ru_stime, 3)}
