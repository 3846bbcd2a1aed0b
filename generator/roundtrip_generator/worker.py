"""The generator worker: one JSON request per stdin line, one JSON reply per line on file descriptor 3.

Request: ``{"case": <normalized case>, "inputHash": "…", "environment": "…", "outDir": "/abs/tmp"}``.
Reply:   ``{"case": "<id>", "status": "ok" | "error", "seconds": 3.2, "cpuSeconds": 2.9, "reloadCpuSeconds": 0.7,
"phases": {"build": 0.4, …}, "error": {type, message, traceback}}`` (``error`` only with status ``error``;
``cpuSeconds``: this process's CPU time on the case, all threads, the reload child's not included; ``reloadCpuSeconds``:
the reload child's; ``phases``: wall seconds per phase, ``phase_times``; the
first reply also has ``startupSeconds``, the worker's imports before it).
stdout and stderr carry library logs; fd 3 carries replies only.
With ``--replies stdout`` (container runners: fd 3 does not cross ``podman run``) the replies take stdout
and fd 1 is pointed at stderr, so the logs still cannot mix with them.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

from .case_spec import validate_case
from .generate import generate_case
from .phase_times import PhaseTimes
from .reload_process import fork_reload_server
from .tensorflow_setup import (
    freeze_imported_objects,
    import_format_libraries,
    import_tensorflow,
    redirect_stdout_to_stderr,
)

REPLY_FD = 3


class RequestError(ValueError):
    """A request line that is not a generator request."""


def open_reply_stream(target: str = "fd3"):
    if target == "stdout":
        return redirect_stdout_to_stderr()
    try:
        return os.fdopen(REPLY_FD, "w", encoding="utf-8", buffering=1)
    except OSError as error:
        raise SystemExit(
            f"roundtrip_generator worker: file descriptor {REPLY_FD} is not open for replies ({error})"
        ) from error


def parse_request(line: str) -> tuple[dict, dict, Path]:
    """Validates a request line; returns ``(request, validated case, outDir)``."""
    try:
        request = json.loads(line)
    except ValueError as error:
        raise RequestError(f"request is not JSON: {error}") from error
    if not isinstance(request, dict) or not isinstance(request.get("case"), dict):
        raise RequestError("request must be an object with a 'case' object")
    out_dir = request.get("outDir")
    if not isinstance(out_dir, str) or not os.path.isabs(out_dir):
        raise RequestError(f"request outDir must be an absolute path, received {out_dir!r}")
    return request, validate_case(request["case"]), Path(out_dir)


def case_id_of(line: str) -> str | None:
    """The case id for the reply, recovered even from a request that fails validation."""
    try:
        case_id = json.loads(line)["case"]["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return case_id if isinstance(case_id, str) else None


def handle_line(line: str) -> dict:
    """Generates one case; never raises, so one bad case cannot end the worker."""
    started, cpu_started = time.monotonic(), time.process_time()
    times = PhaseTimes()
    try:
        request, case, out_dir = parse_request(line)
        generate_case(case, request, out_dir, times)
        return {
            "case": case["id"],
            "status": "ok",
            "seconds": round(time.monotonic() - started, 3),
            "cpuSeconds": round(time.process_time() - cpu_started, 3),
            "reloadCpuSeconds": round(times.child_cpu_seconds, 3),
            "phases": times.as_dict(),
        }
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        return {
            "case": case_id_of(line),
            "status": "error",
            "seconds": round(time.monotonic() - started, 3),
            "cpuSeconds": round(time.process_time() - cpu_started, 3),
            "phases": times.as_dict(),
            "error": {"type": type(error).__name__, "message": str(error), "traceback": traceback.format_exc()},
        }


def run_worker(replies_to: str = "fd3") -> int:
    replies = open_reply_stream(replies_to)
    started = time.monotonic()
    import_tensorflow()  # once per worker process, before the first request
    import_format_libraries()
    freeze_imported_objects()
    fork_reload_server(close_in_server=(replies.fileno(),))  # imports done, no case yet: what the server needs
    startup: dict = {"startupSeconds": round(time.monotonic() - started, 3)}
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = {**handle_line(line), **startup}
        startup = {}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0
