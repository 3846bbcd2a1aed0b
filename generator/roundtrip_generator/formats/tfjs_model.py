"""TF.js models written by the ``tensorflowjs`` converter: a layers model (``save_keras_model``) and a graph model
(``convert_tf_saved_model`` on a Keras 2 SavedModel), each a ``model.json`` plus binary weight shards, side by side
under ``artifacts/tfjs/{layers,graph}/``.

Only environments that install ``tensorflowjs`` (see DEVELOPERS.md, "TF.js converter") can write them; elsewhere
``save`` raises ``FormatUnavailable`` and the harness reports the format as skipped.
"""

from __future__ import annotations

import json
import sys
import tempfile
import types
from pathlib import Path

from ..errors import FormatUnavailable
from ..forward_pass import name_outputs, run_keras_model
from ..signature_maps import map_inputs, map_outputs

ARTIFACT_PATH = "artifacts/tfjs"
MODELS = ("layers", "graph")
NOT_INSTALLED = "tensorflowjs not installed in this environment"


def producer(versions: dict) -> str:
    return (
        f"tensorflowjs {versions.get('tensorflowjs')} save_keras_model + convert_tf_saved_model control_flow_v2"
        f" (tf {versions['tensorflow']}, keras {versions['keras']})"
    )


def save(model, path: Path) -> None:
    save_for_case(model, path, None)


def save_for_case(model, path: Path, case: dict | None) -> None:
    """The layers model, and the graph model converted from ``tf.saved_model.save`` of the model. Under Keras 2 that
    SavedModel is the one the case's TFLite variants convert (``tflite.keras2_saved_model``, the same call with debug
    info, which the converter does not read): one save of the model for both, where each took seconds."""
    tfjs = _import_tensorflowjs()
    import tensorflow as tf

    from .tflite import keras2_saved_model

    tfjs.converters.save_keras_model(model, str(path / "layers"))
    shared = keras2_saved_model(model) if case is not None else None
    with tempfile.TemporaryDirectory() as scratch:
        saved_model = shared or Path(scratch) / "savedmodel"
        if shared is None:
            tf.saved_model.save(model, str(saved_model))
        # control_flow_v2 keeps while loops (LSTM, GRU) as While ops: the default lowers them to Switch/Merge frames
        # that tf.loadGraphModel cannot run ("Cannot compute the outputs [Identity]", tensorflow/tfjs#4579).
        tfjs.converters.convert_tf_saved_model(str(saved_model), str(path / "graph"), control_flow_v2=True)


def release() -> None:
    """Drops the SavedModel shared with the TFLite variants (``tflite.release``)."""
    from .tflite import release as release_tflite

    release_tflite()


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    """Per model: its model.json path, its input/output names in the order tfjs gives them, and maps onto case names."""
    case_inputs = [spec["name"] for spec in case["inputs"]]
    layers_config = json.loads((path / "layers" / "model.json").read_text())["modelTopology"]["model_config"]["config"]
    layer_inputs = [entry[0] for entry in layers_config.get("input_layers", [])] or [
        layers_config["layers"][0]["config"]["name"]
    ]
    layer_outputs = [f"output_{index}" for index in range(len(reference_names))]
    signature = json.loads((path / "graph" / "model.json").read_text())["signature"]
    graph_inputs, graph_outputs = list(signature["inputs"]), list(signature["outputs"])
    return {
        "models": {
            "layers": {
                "path": "layers/model.json",
                "inputs": layer_inputs,
                "outputs": layer_outputs,
                "inputMap": map_inputs(layer_inputs, case_inputs),
                "outputMap": map_outputs(layer_outputs, reference_names),
            },
            "graph": {
                "path": "graph/model.json",
                "inputs": graph_inputs,
                "outputs": graph_outputs,
                "inputMap": map_inputs(graph_inputs, case_inputs),
                "outputMap": map_outputs(graph_outputs, reference_names),
            },
        }
    }


def truth(path: Path) -> dict:
    """Every manifest weight as the converter's own ``read_weights`` decodes it (dequantized when quantized), keyed
    ``<model>/<weight name>``; hashes over little-endian C-order bytes as in ``weight_truth``."""
    from tensorflowjs import read_weights

    from ..weight_truth import describe_array

    weights = {}
    for model in MODELS:
        folder = path / model
        manifest = json.loads((folder / "model.json").read_text())["weightsManifest"]
        for group in read_weights.read_weights(manifest, str(folder)):
            for entry in group:
                weights[f"{model}/{entry['name']}"] = describe_array(entry["data"])
    return {"weights": dict(sorted(weights.items()))}


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]):
    """The layers model through tensorflowjs's own Keras loader; Python has no loader for graph models."""
    tfjs = _import_tensorflowjs()
    model = tfjs.converters.load_keras_model(str(path / "layers" / "model.json"))
    ordered = {name: inputs[name] for name in artifact["models"]["layers"]["inputMap"].values()}
    return name_outputs(
        reference_names, run_keras_model(model, ordered)
    ), "layers model only: Python cannot load a TF.js graph model"


def _import_tensorflowjs():
    """``tensorflowjs`` imports TF Decision Forests (to register its ops for graph conversion) and jax2tf (for
    ``convert_jax``) at import time; neither is pinned, and neither runs for Keras models, so stand-ins that fail
    on use take their place when they are absent."""
    try:
        import tensorflowjs

        return tensorflowjs
    except ModuleNotFoundError as error:
        if error.name in ("tensorflowjs",):
            raise FormatUnavailable(NOT_INSTALLED) from error
        if error.name not in ("tensorflow_decision_forests", "jax"):
            raise
    for name in ("tensorflow_decision_forests", "jax", "jax.experimental", "jax.experimental.jax2tf"):
        sys.modules.setdefault(name, _absent_module(name))
    sys.modules["jax"].experimental = sys.modules["jax.experimental"]
    sys.modules["jax.experimental"].jax2tf = sys.modules["jax.experimental.jax2tf"]
    for name in [key for key in sys.modules if key.startswith("tensorflowjs")]:
        del sys.modules[name]  # a half-finished import left behind
    import tensorflowjs

    return tensorflowjs


def _absent_module(name: str) -> types.ModuleType:
    module = types.ModuleType(
        name, f"{name} is not installed; tensorflowjs imports it but Keras conversion never uses it"
    )

    def fail(attribute: str):
        if attribute.startswith("__"):  # the import system probing the module, not a caller using it
            raise AttributeError(attribute)
        raise ModuleNotFoundError(f"{name}.{attribute}: {name} is not installed in this environment", name=name)

    module.__path__ = []  # a package, so "import jax.experimental.jax2tf" resolves to the stand-ins in sys.modules

    module.__getattr__ = fail
    return module
