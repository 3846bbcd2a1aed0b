"""The TensorFlow SavedModel directory written by ``keras.Model.export(format="tf_saved_model")``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..keras_compat import export_saved_model, forget_saved_model_export
from ..signature_maps import map_inputs, map_outputs, ordered_output_keys
from ..tensorflow_setup import import_tensorflow

ARTIFACT_PATH = "artifacts/savedmodel"
SERVING_SIGNATURE = "serving_default"
INIT_OP_SIGNATURE_KEY = "__saved_model_init_op"  # tensorflow/python/saved_model/constants.py


def producer(versions: dict) -> str:
    return f"keras.Model.export tf_saved_model (tf {versions['tensorflow']}, keras {versions['keras']})"


def save(model, path: Path) -> None:
    export_saved_model(model, path)


def release() -> None:
    """Drops the export kept for the case's ONNX export (``keras_compat``)."""
    forget_saved_model_export()


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    """Every signature's inputs/outputs, and the maps of ``serving_default`` onto case names.

    Read from the serving MetaGraph's signature defs in ``saved_model.pb``: what a signature function of
    ``tf.saved_model.load(path)`` describes (keyword inputs by name, a dict of outputs), without restoring every
    function and variable of the model (0.1 CPU s for a Keras 3 export, seconds for a Keras 2 ``model.save``). A ragged
    or sparse tensor in a signature is described from the loaded function."""
    defs = _signature_defs(path)
    if all(_plain_tensors(signature) for signature in defs.values()):
        signatures = {key: _describe_signature_def(signature) for key, signature in sorted(defs.items())}
    else:  # a ragged or sparse input or output: its TypeSpec is what the loaded function describes
        tf, _ = import_tensorflow()
        loaded = tf.saved_model.load(str(path))
        signatures = {key: _describe_signature(function) for key, function in sorted(loaded.signatures.items())}
    serving = signatures.get(SERVING_SIGNATURE, {"inputs": {}, "outputs": {}})
    return {
        "signatures": signatures,
        "inputMap": map_inputs(list(serving["inputs"]), [spec["name"] for spec in case["inputs"]]),
        "outputMap": map_outputs(list(serving["outputs"]), reference_names),
    }


def truth(path: Path) -> dict:
    """The variables bundle by checkpoint key, and the serving MetaGraph's signature defs as saved_model.pb holds
    them."""
    from .tf_checkpoint import bundle_weights

    tf, _ = import_tensorflow()
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes())
    graphs = list(saved_model.meta_graphs)
    serving = next((graph for graph in graphs if "serve" in graph.meta_info_def.tags), graphs[0])

    def tensor(info) -> dict:
        shape = (
            None if info.tensor_shape.unknown_rank else [d.size if d.size >= 0 else None for d in info.tensor_shape.dim]
        )
        return {"name": info.name, "dtype": tf.as_dtype(info.dtype).name if info.dtype else "invalid", "shape": shape}

    signatures = {
        key: {
            "methodName": signature.method_name,
            "inputs": {name: tensor(signature.inputs[name]) for name in sorted(signature.inputs)},
            "outputs": {name: tensor(signature.outputs[name]) for name in sorted(signature.outputs)},
        }
        for key, signature in sorted(serving.signature_def.items())
    }
    has_variables = (path / "variables" / "variables.index").is_file()
    return {
        "weights": bundle_weights(path / "variables" / "variables") if has_variables else {},
        "signatures": signatures,
    }


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    tf, _ = import_tensorflow()
    function = tf.saved_model.load(str(path)).signatures[SERVING_SIGNATURE]
    result = function(**{key: tf.constant(inputs[name]) for key, name in artifact["inputMap"].items()})
    return {name: np.asarray(result[key].numpy()) for key, name in artifact["outputMap"].items()}


def _signature_defs(path: Path) -> dict:
    """The ``signature_def`` map of the MetaGraph tagged ``serve`` (the one ``tf.saved_model.load`` picks), else the
    first."""
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes())
    graphs = list(saved_model.meta_graphs)
    serving = next((graph for graph in graphs if "serve" in graph.meta_info_def.tags), graphs[0])
    # The init op's entry (tables, assets) is no signature: the loaded SavedModel's ``signatures`` leave it out.
    return {key: value for key, value in serving.signature_def.items() if key != INIT_OP_SIGNATURE_KEY}


def _plain_tensors(signature) -> bool:
    """Every input and output a dense tensor (``TensorInfo.name``), not a composite one (ragged, sparse)."""
    infos = [*signature.inputs.values(), *signature.outputs.values()]
    return all(info.WhichOneof("encoding") == "name" and info.dtype != 0 for info in infos)


def _describe_signature_def(signature) -> dict:
    """A signature def's inputs (sorted by name, as a loaded signature function's keyword arguments) and outputs."""
    return {
        "inputs": {name: _describe_tensor_info(signature.inputs[name]) for name in sorted(signature.inputs)},
        "outputs": {
            key: _describe_tensor_info(signature.outputs[key]) for key in ordered_output_keys(sorted(signature.outputs))
        },
    }


def _describe_tensor_info(info) -> dict:
    tf, _ = import_tensorflow()
    shape = None if info.tensor_shape.unknown_rank else [d.size if d.size >= 0 else None for d in info.tensor_shape.dim]
    return {"dtype": tf.as_dtype(info.dtype).name, "shape": shape}


def _describe_signature(function) -> dict:
    positional, keyword = function.structured_input_signature
    inputs = {spec.name or f"args_{index}": _describe_spec(spec) for index, spec in enumerate(positional)}
    # Keyword order in a loaded signature varies between loads; sorted keys keep manifests stable.
    inputs.update({key: _describe_spec(keyword[key]) for key in sorted(keyword)})
    outputs = function.structured_outputs
    if not isinstance(outputs, dict):
        outputs = {f"output_{index}": spec for index, spec in enumerate(_flatten(outputs))}
    return {"inputs": inputs, "outputs": {key: _describe_spec(outputs[key]) for key in ordered_output_keys(outputs)}}


def _describe_spec(spec) -> dict:
    shape = None if spec.shape.rank is None else [dimension for dimension in spec.shape.as_list()]
    return {"dtype": spec.dtype.name, "shape": shape}


def _flatten(structure) -> list:
    tf, _ = import_tensorflow()
    return tf.nest.flatten(structure)
