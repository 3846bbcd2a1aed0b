"""Runs ``python -m roundtrip_generator reload <outDir>`` in a fresh interpreter and collects its checks.

A fresh process matters: classes registered or imported while writing would make the ``argument`` and
``absent`` load modes pass trivially.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RELOAD_TIMEOUT_SECONDS = 600
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


def run_reload_process(out_dir: Path, formats: list[str]) -> list[dict]:
    """The reload checks as JSON, or one ``error`` check per format when the process itself fails."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, environment.get("PYTHONPATH")]))
    try:
        # stderr is inherited: the child's TensorFlow logs join the worker's run log.
        completed = subprocess.run(
            [sys.executable, "-m", "roundtrip_generator", "reload", str(out_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=environment,
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
