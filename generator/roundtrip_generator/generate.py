"""Generates one case into its out folder: inputs, reference outputs, artifacts, truth, manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

from .arrays import write_array
from .file_digest import describe_case_files, describe_files, write_manifest_digest
from .formats import FORMATS
from .forward_pass import output_names, run_keras_model
from .input_generation import generate_inputs
from .keras_compat import artifact_writer
from .manifest import CASE_FILE, MANIFEST_FILE, new_manifest, write_json
from .model_building import build_model
from .phase_times import PhaseTimes
from .reload_process import run_reload_process
from .tensorflow_setup import reset_for_case
from .versions import collect_versions


def generate_case(case: dict, request: dict, out_dir: Path, times: PhaseTimes | None = None) -> dict:
    """Writes everything for ``case`` into ``out_dir`` and returns the manifest; ``times`` collects each phase's wall
    seconds (``build``, ``forward``, ``save:<format>``, ``describe:<format>``, ``truth:<format>``, ``reload``, …).

    A format that fails to save or describe becomes a ``generateErrors`` entry; the others still go on.
    Errors before the first artifact (building, the forward pass) propagate: there is nothing to keep.
    """
    times = times or PhaseTimes()
    out_dir.mkdir(parents=True, exist_ok=True)
    versions = collect_versions()
    manifest = new_manifest(case, request, versions)
    write_json(out_dir / CASE_FILE, case)

    with times.phase("build"):
        reset_for_case(case["seed"])
        model = build_model(case)
    with times.phase("forward"):
        inputs = generate_inputs(case)
        outputs = run_keras_model(model, inputs)
        reference_names = output_names(model, case, len(outputs))

    manifest["inputs"] = [_write_named(out_dir, "inputs", name, array) for name, array in inputs.items()]
    manifest["outputs"] = [
        _write_named(out_dir, "outputs", name, array) for name, array in zip(reference_names, outputs, strict=True)
    ]

    for format_name in case["formats"]:
        try:
            manifest["artifacts"].append(
                _write_artifact(format_name, model, case, out_dir, reference_names, versions, times)
            )
        except Exception as error:  # one format failing must not stop the others
            _remove(out_dir / FORMATS[format_name].ARTIFACT_PATH)
            manifest["generateErrors"].append(
                {
                    "format": format_name,
                    "type": type(error).__name__,
                    "message": str(error).strip()[:2000].replace(str(out_dir), "<case>"),
                }
            )
    _release_formats(case["formats"])
    write_json(out_dir / MANIFEST_FILE, manifest)

    if manifest["artifacts"]:
        with times.phase("reload"):
            manifest["pythonChecks"] = run_reload_process(
                out_dir, [artifact["format"] for artifact in manifest["artifacts"]], times
            )
    # Last, once nothing else is written: the harness checks every file against this list before any verdict.
    with times.phase("digests"):
        manifest["files"] = describe_case_files(out_dir, MANIFEST_FILE)
    write_json(out_dir / MANIFEST_FILE, manifest)
    write_manifest_digest(out_dir, MANIFEST_FILE)
    return manifest


def _write_named(out_dir: Path, folder: str, name: str, array) -> dict:
    file = f"{folder}/{name}.npy"
    return {"name": name, **write_array(out_dir / file, array, file)}


def _write_artifact(
    format_name: str,
    model,
    case: dict,
    out_dir: Path,
    reference_names: list[str],
    versions: dict,
    times: PhaseTimes,
) -> dict:
    module = FORMATS[format_name]
    save, producer = artifact_writer(format_name, module)  # Keras 2 writes some formats differently
    path = out_dir / module.ARTIFACT_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    save_for_case = getattr(module, "save_for_case", None)
    with times.phase(f"save:{format_name}"):
        if save_for_case is not None and save is module.save:
            save_for_case(model, path, case)
        else:
            save(model, path)
    artifact = {
        "format": format_name,
        "path": module.ARTIFACT_PATH,
        "producer": producer(versions),
        "files": describe_files(path),
    }
    with times.phase(f"describe:{format_name}"):
        artifact.update(module.describe(path, case, reference_names))
    with times.phase(f"truth:{format_name}"):
        truth = module.truth(path)
        if truth is not None:
            write_json(out_dir / "truth" / f"{format_name}.json", truth)
    return artifact


def _release_formats(format_names: list[str]) -> None:
    """Each format module's ``release``, once per module (the TFLite variants share one)."""
    for release in {getattr(FORMATS[name], "release", None) for name in format_names} - {None}:
        release()


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()
