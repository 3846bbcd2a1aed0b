"""The Keras 3 zip archive (``model.keras``): config.json, metadata.json, model.weights.h5."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from ..forward_pass import name_outputs, run_keras_model
from ..keras_loading import load_keras_model
from ..weight_truth import describe_hdf5_bytes

ARTIFACT_PATH = "artifacts/model.keras"
WEIGHTS_ENTRY = "model.weights.h5"
ASSETS_PREFIX = "assets/"


def producer(versions: dict) -> str:
    return f"keras.Model.save (keras {versions['keras']})"


def save(model, path: Path) -> None:
    model.save(path)


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    return {}


def truth(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        weights = describe_hdf5_bytes(archive.read(WEIGHTS_ENTRY)) if WEIGHTS_ENTRY in names else {}
        # Asset bytes (vocabularies, custom save_assets files) by archive path, as the reader's `assets` must hold them.
        assets = {
            info.filename: {"sha256": hashlib.sha256(archive.read(info)).hexdigest(), "size": info.file_size}
            for info in archive.infolist()
            if info.filename.startswith(ASSETS_PREFIX) and not info.is_dir()
        }
        return {
            "weightsFile": WEIGHTS_ENTRY,
            "weights": weights,
            "config": json.loads(archive.read("config.json")),
            "metadata": json.loads(archive.read("metadata.json")) if "metadata.json" in names else None,
            "entries": names,
            "assets": dict(sorted(assets.items())),
        }


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    model = load_keras_model(path, case)
    return name_outputs(reference_names, run_keras_model(model, inputs))
