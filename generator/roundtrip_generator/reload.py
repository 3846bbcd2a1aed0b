"""The Python reload checks, meant to run in a fresh interpreter (see ``reload_process``).

Reads ``case.json``, ``manifest.json`` and the reference arrays from a case folder, reloads every
artifact the manifest lists through its format module (``formats``), and compares with the reference
outputs. A format named in the case's ``expectErrors`` must instead raise the declared error. The
case's ``scenario``, if any, runs last and adds its own checks.
"""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path

from .arrays import ReferenceArrayMismatch, read_reference_arrays, refused_checks
from .case_spec import tolerance_for
from .comparison import compare_outputs
from .formats import FORMATS
from .manifest import CASE_FILE, MANIFEST_FILE, read_json
from .tensorflow_setup import import_tensorflow


def run_reload_checks(out_dir: Path) -> list[dict]:
    """One ``{format, check: "reload", status, message, maxAbsDiff}`` per artifact; errors are results too."""
    case = read_json(out_dir / CASE_FILE)
    manifest = read_json(out_dir / MANIFEST_FILE)
    references = read_reference_arrays(out_dir, manifest)
    if isinstance(references, ReferenceArrayMismatch):
        return refused_checks(
            references, [artifact["format"] for artifact in manifest["artifacts"]], {"check": "reload"}
        )
    inputs, expected = references
    import_tensorflow()
    checks = []
    for artifact in manifest["artifacts"]:
        check = {"format": artifact["format"], "check": "reload"}
        expected_errors = [
            entry
            for entry in case.get("expectErrors") or []
            if entry["format"] == artifact["format"] and entry.get("runtime", "python") == "python"
        ]
        try:
            module = FORMATS[artifact["format"]]
            result = module.run(out_dir / artifact["path"], artifact, case, inputs, list(expected))
            actual, note = result if isinstance(result, tuple) else (result, None)
            check.update(compare_outputs(expected, actual, tolerance_for(case, artifact["format"])))
            if note:
                check["message"] += f" ({note})"
            if expected_errors:
                check.update(
                    {
                        "status": "fail",
                        "message": f"expected {_describe_expected(expected_errors)}, "
                        f"the reload raised nothing ({check['message']})",
                    }
                )
        except Exception as error:  # a failed load is the result we record, not a crash
            traceback.print_exc(file=sys.stderr)
            message = f"{type(error).__name__}: {' '.join(str(error).split())[:2000]}"
            # The folder is a temporary one; keep the golden manifest free of its path.
            message = message.replace(str(out_dir), "<case>")
            if expected_errors:
                matched = any(error_matches(error, entry) for entry in expected_errors)
                check.update(
                    {
                        "status": "pass" if matched else "fail",
                        "maxAbsDiff": None,
                        "message": (
                            f"raised expected {message}"
                            if matched
                            else f"expected {_describe_expected(expected_errors)}, received {message}"
                        ),
                    }
                )
            else:
                check.update({"status": "error", "message": message, "maxAbsDiff": None})
        checks.append(check)
    if case.get("scenario"):
        from .scenarios import run_scenario

        checks.extend(run_scenario(case, out_dir, inputs, expected))
    return checks


def error_matches(error: BaseException, entry: dict) -> bool:
    """The class name (``A|B`` allows either) and the message regular expression both match."""
    names = {cls.__name__ for cls in type(error).__mro__}
    wanted = set(entry["type"].split("|"))
    return bool(names & wanted) and re.search(entry["match"], str(error)) is not None


def _describe_expected(entries: list[dict]) -> str:
    return " or ".join(f"{entry['type']} matching /{entry['match']}/" for entry in entries)
