"""A ``.keras`` zip whose weights are ``model.weights.npz`` (``saving_lib.save_model(weights_format="npz")``)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ..forward_pass import name_outputs, run_keras_model
from ..keras_loading import load_keras_model
from ..tensorflow_setup import import_tensorflow
from ..weight_truth import describe_array

ARTIFACT_PATH = "artifacts/model-npz.keras"
WEIGHTS_ENTRY = "model.weights.npz"


def producer(versions: dict) -> str:
    return f"keras.src.saving.saving_lib.save_model weights_format=npz (keras {versions['keras']})"


def save(model, path: Path) -> None:
    import_tensorflow()
    from keras.src.saving import saving_lib

    saving_lib.save_model(model, str(path), weights_format="npz")


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    return {}


def truth(path: Path) -> dict:
    """Each npz member is a pickled object array holding ``{variable index: array}``; we unpickle our own file."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        contents = np.load(io.BytesIO(archive.read(WEIGHTS_ENTRY)), allow_pickle=True)
        weights = {}
        for member in sorted(contents.files):
            stored = contents[member]
            values = stored.tolist() if stored.dtype == object else {"": stored}
            for key, value in sorted((values or {}).items(), key=lambda item: str(item[0])):
                weights[f"{member}/{key}"] = describe_array(value)
        return {
            "weightsFile": WEIGHTS_ENTRY,
            "memberStorage": "pickled object arrays (np.save allow_pickle)",
            "weights": weights,
            "config": json.loads(archive.read("config.json")),
            "entries": names,
        }


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    return name_outputs(reference_names, run_keras_model(load_keras_model(path, case), inputs))
