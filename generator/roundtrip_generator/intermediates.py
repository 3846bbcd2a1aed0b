"""Every layer's output on the case's reference inputs, for ``keras-roundtrip divergence`` (first divergent layer).

``python -m roundtrip_generator intermediates <golden case dir> --format keras|h5 --out <dir>`` loads the artifact as
the case's ``load`` block asks, builds one model whose outputs are every layer's output, runs it on ``inputs/*.npy``
and writes ``<out>/<index>.npy`` per layer plus ``<out>/layers.json`` (``[{index, name, class, file, shape, dtype}]``,
in the model's layer order). Layers with several outputs contribute their first one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .arrays import read_array
from .keras_loading import load_keras_model
from .manifest import CASE_FILE, MANIFEST_FILE, read_json, write_json


def write_intermediates(case_dir: Path, artifact_format: str, out_dir: Path) -> list[dict]:
    case = read_json(case_dir / CASE_FILE)
    manifest = read_json(case_dir / MANIFEST_FILE)
    artifact = next((entry for entry in manifest["artifacts"] if entry["format"] == artifact_format), None)
    if artifact is None:
        raise ValueError(f"{case_dir / MANIFEST_FILE}: no {artifact_format} artifact")
    model = load_keras_model(case_dir / artifact["path"], case)
    import keras

    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    outputs = [layer.output[0] if isinstance(layer.output, (list, tuple)) else layer.output for layer in layers]
    probe = keras.Model(model.inputs, outputs)
    inputs = [read_array(case_dir / entry["file"], entry) for entry in manifest["inputs"]]
    results = probe.predict(inputs[0] if len(inputs) == 1 else inputs, verbose=0)
    if not isinstance(results, (list, tuple)):
        results = [results]
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, (layer, value) in enumerate(zip(layers, results, strict=True)):
        array = np.asarray(value)
        np.save(out_dir / f"{index}.npy", array)
        entries.append(
            {
                "index": index,
                "name": layer.name,
                "class": type(layer).__name__,
                "file": f"{index}.npy",
                "shape": list(array.shape),
                "dtype": str(array.dtype),
            }
        )
    write_json(out_dir / "layers.json", entries)
    return entries
