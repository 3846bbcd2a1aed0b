"""The Python reload checks, meant to run in a fresh interpreter (see ``reload_process``).

Reads ``case.json``, ``manifest.json`` and the reference arrays from a case folder, reloads every
artifact the manifest lists (keras/h5 through ``keras.models.load_model`` in the case's
``load.customObjects`` mode, savedmodel through ``tf.saved_model.load`` + ``serving_default``, onnx
through ``onnxruntime.InferenceSession``) and compares with the reference outputs.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from .arrays import read_array
from .comparison import compare_outputs
from .formats import FORMATS
from .manifest import CASE_FILE, MANIFEST_FILE, read_json
from .tensorflow_setup import import_tensorflow


def run_reload_checks(out_dir: Path) -> list[dict]:
    """One ``{format, check: "reload", status, message, maxAbsDiff}`` per artifact; errors are results too."""
    case = read_json(out_dir / CASE_FILE)
    manifest = read_json(out_dir / MANIFEST_FILE)
    inputs = {entry["name"]: read_array(out_dir / entry["file"], entry) for entry in manifest["inputs"]}
    expected = {entry["name"]: read_array(out_dir / entry["file"], entry) for entry in manifest["outputs"]}
    tolerance = case["tolerance"]["default"]
    import_tensorflow()
    checks = []
    for artifact in manifest["artifacts"]:
        check = {"format": artifact["format"], "check": "reload"}
        try:
            module = FORMATS[artifact["format"]]
            actual = module.run(out_dir / artifact["path"], artifact, case, inputs, list(expected))
            check.update(compare_outputs(expected, actual, tolerance))
        except Exception as error:  # a failed load is the result we record, not a crash
            traceback.print_exc(file=sys.stderr)
            message = f"{type(error).__name__}: {str(error).strip()[:2000]}"
            # The folder is a temporary one; keep the golden manifest free of its path.
            check.update({"status": "error", "message": message.replace(str(out_dir), "<case>"), "maxAbsDiff": None})
        checks.append(check)
    return checks
