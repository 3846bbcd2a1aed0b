"""Python-side scenarios beyond save/reload, named by ``scenario.name`` in a case; each adds python checks.

A scenario function takes a ``ScenarioContext`` and returns checks
``{format, check: <scenario check name>, status: pass|fail|error, message, maxAbsDiff}``.
It runs in the reload process, after the format checks. Modules are imported on demand.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCENARIOS: dict[str, tuple[str, str]] = {
    "saved_model_load": ("serving", "saved_model_load"),
    "saving_hooks": ("saving_hooks", "saving_hooks"),
    "training_checkpoints": ("training", "training_checkpoints"),
    "resume_training": ("training", "resume_training"),
    "skip_mismatch": ("weights", "skip_mismatch"),
    "unbuilt_model": ("weights", "unbuilt_model"),
    "compile_false": ("weights", "compile_false"),
    "string_vocabulary": ("weights", "string_vocabulary"),
}


@dataclass
class ScenarioContext:
    case: dict
    args: dict
    out_dir: Path
    work_dir: Path
    inputs: dict
    expected: dict

    def artifact(self, format_name: str) -> Path:
        from ..formats import FORMATS

        return self.out_dir / FORMATS[format_name].ARTIFACT_PATH


def check(format_name: str, name: str, passed: bool, message: str, max_abs_diff: float | None = None) -> dict:
    return {
        "format": format_name,
        "check": name,
        "status": "pass" if passed else "fail",
        "message": message,
        "maxAbsDiff": max_abs_diff,
    }


def error_check(format_name: str, name: str, error: BaseException) -> dict:
    """One format's step raised: an error for that format only, so the other formats still report."""
    return {
        "format": format_name,
        "check": name,
        "status": "error",
        "maxAbsDiff": None,
        "message": f"{type(error).__name__}: {' '.join(str(error).split())[:300]}",
    }


def max_abs_diff(expected, actual) -> float:
    pairs = list(zip(expected, actual, strict=True))
    return (
        max(
            (float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)))) if np.size(a) else 0.0)
            for a, b in pairs
        )
        if pairs
        else 0.0
    )


def run_scenario(case: dict, out_dir: Path, inputs: dict, expected: dict) -> list[dict]:
    name = case["scenario"]["name"]
    module_name, function_name = SCENARIOS[name]
    with tempfile.TemporaryDirectory(prefix=f"scenario-{name}-") as work:
        context = ScenarioContext(case, case["scenario"].get("args") or {}, out_dir, Path(work), inputs, expected)
        try:
            function = getattr(importlib.import_module(f"{__name__}.{module_name}"), function_name)
            return function(context)
        except Exception as error:  # the scenario failing to run is an error verdict, not a crash
            traceback.print_exc(file=sys.stderr)
            message = f"{type(error).__name__}: {' '.join(str(error).split())[:2000]}".replace(work, "<work>")
            return [
                {
                    "format": "keras",
                    "check": name,
                    "status": "error",
                    "message": message.replace(str(out_dir), "<case>"),
                    "maxAbsDiff": None,
                }
            ]
