"""Cross-environment loads: a golden folder written in one environment, loaded in this one.

Run in the loader environment's interpreter, in a fresh process (``python -m roundtrip_generator crossload
<golden case dir> --writer-env <env>``), so only what this environment provides can load the artifacts.
Only whole-model formats are cross-loaded: ``keras`` and ``h5`` through ``keras.models.load_model`` (honouring
the case's ``load`` block), ``savedmodel`` through ``tf.saved_model.load``. Weights-only formats would be read
into a model this environment builds itself, which tests the loader's model code, not the writer's file.
The golden folder is only read.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from .arrays import ReferenceArrayMismatch, read_reference_arrays, refused_checks
from .case_spec import tolerance_for
from .comparison import compare_outputs
from .formats import FORMATS
from .manifest import CASE_FILE, MANIFEST_FILE, read_json
from .tensorflow_setup import import_tensorflow
from .versions import collect_versions

CROSS_LOAD_FORMATS = ("keras", "h5", "savedmodel")


def run_cross_load_checks(case_dir: Path, writer_environment: str) -> list[dict]:
    """One ``{format, check: "crossload", writerEnvironment, status, message, maxAbsDiff}`` per whole-model artifact."""
    case = read_json(case_dir / CASE_FILE)
    manifest = read_json(case_dir / MANIFEST_FILE)
    if manifest.get("environment") not in (None, writer_environment):
        raise ValueError(
            f"{case_dir / MANIFEST_FILE}: written by environment {manifest['environment']!r}, "
            f"expected --writer-env {writer_environment!r}"
        )
    references = read_reference_arrays(case_dir, manifest)
    if isinstance(references, ReferenceArrayMismatch):
        formats = [artifact["format"] for artifact in manifest["artifacts"] if artifact["format"] in CROSS_LOAD_FORMATS]
        return refused_checks(references, formats, {"check": "crossload", "writerEnvironment": writer_environment})
    inputs, expected = references
    import_tensorflow()
    loader = collect_versions()
    checks = []
    for artifact in manifest["artifacts"]:
        if artifact["format"] not in CROSS_LOAD_FORMATS:
            continue
        check = {
            "format": artifact["format"],
            "check": "crossload",
            "writerEnvironment": writer_environment,
            "writerVersions": _keras_versions(manifest.get("versions") or {}),
            "loaderVersions": _keras_versions(loader),
        }
        try:
            module = FORMATS[artifact["format"]]
            result = module.run(case_dir / artifact["path"], artifact, case, inputs, list(expected))
            actual = result[0] if isinstance(result, tuple) else result
            check.update(compare_outputs(expected, actual, tolerance_for(case, artifact["format"])))
        except Exception as error:  # a failed load is the finding, not a crash
            traceback.print_exc(file=sys.stderr)
            message = f"{type(error).__name__}: {' '.join(str(error).split())[:2000]}"
            check.update(
                {
                    "status": "error",
                    "errorType": type(error).__name__,
                    "message": message.replace(str(case_dir), "<case>"),
                    "maxAbsDiff": None,
                }
            )
        checks.append(check)
    return checks


def _keras_versions(versions: dict) -> dict:
    return {key: versions.get(key) for key in ("tensorflow", "keras", "tf_keras", "kerasModule")}
