"""Every layer's output on the case's reference inputs, for ``keras-roundtrip divergence`` (first divergent layer).

``python -m roundtrip_generator intermediates <golden case dir> --format keras|h5 --out <dir>`` loads the artifact as
the case's ``load`` block asks, builds one model whose outputs are every layer's output, calls it on ``inputs/*.npy``
as the reference forward pass does (``run_keras_model``: tensors by input name, so string inputs become
``tf.string``; ``predict`` cannot take numpy bytes arrays) and writes ``<out>/<index>.npy`` per layer plus
``<out>/layers.json`` (``[{index, name, class, file, shape, dtype[, storage]}]``, in the model's layer order;
strings stored as ``write_array`` stores references). Layers with several outputs contribute their first one, a layer
called several times its first call in this graph (a nested model's first node is its own graph's). A subclassed
model's layers have no symbolic outputs (its ``call`` is Python code): the model is then one layer, its output the
model's first.
"""

from __future__ import annotations

from pathlib import Path

from .arrays import read_array, write_array
from .forward_pass import run_keras_model
from .keras_compat import graph_layer_output, is_graph_model
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

    inputs = {entry["name"]: read_array(case_dir / entry["file"], entry) for entry in manifest["inputs"]}
    if is_graph_model(keras, model):
        layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
        outputs = [graph_layer_output(keras, model, layer) for layer in layers]
        results = run_keras_model(keras.Model(model.inputs, outputs), inputs)
    else:
        layers, results = [model], run_keras_model(model, inputs)[:1]
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, (layer, array) in enumerate(zip(layers, results, strict=True)):
        stored = write_array(out_dir / f"{index}.npy", array, f"{index}.npy")
        entries.append({"index": index, "name": layer.name, "class": type(layer).__name__, **stored})
    write_json(out_dir / "layers.json", entries)
    return entries
