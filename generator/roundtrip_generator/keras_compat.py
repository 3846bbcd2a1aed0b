"""One generator for Keras 3, legacy tf_keras 2 (``TF_USE_LEGACY_KERAS=1``) and Keras 2.13–2.15.

The generator's modules write ``import keras`` / ``import_tensorflow()`` and Keras 3 spellings. This module
is the only place that knows the differences:

- which Keras: ``tf_keras`` when ``TF_USE_LEGACY_KERAS`` is set (then ``sys.modules["keras"]`` points at it, so
  the model library's ``import keras`` builds tf_keras layers, as a user of that stack writes
  ``import tf_keras as keras``), else the ``keras`` package (Keras 3, or Keras 2.x with TF ≤ 2.15);
- helpers Keras 2 lacks (``keras.ops.convert_to_numpy``, ``keras.tree.flatten``, ``keras.config``);
- artifact writers that differ: Keras 2 writes a SavedModel with ``model.save(dir, save_format="tf")``
  (``keras_metadata.pb`` included) and ONNX with ``tf2onnx.convert.from_keras``, where Keras 3 uses
  ``model.export``;
- what older Keras 3 releases lack (read from their sources): ``Model.export`` takes ``verbose`` from 3.6 and
  ``input_signature`` and ``format="onnx"`` from 3.8 (3.0–3.7 ignore ``format`` and always write a SavedModel);
  ``save_weights`` takes ``max_shard_size`` from 3.10 (tf_keras never). A format this Keras cannot write raises
  ``FormatUnavailable``, which the harness reports as skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import FormatUnavailable

_LEGACY_SWITCH = "TF_USE_LEGACY_KERAS"


def legacy_keras_requested() -> bool:
    return os.environ.get(_LEGACY_SWITCH, "").strip().lower() in ("1", "true", "yes")


def import_keras():
    """The Keras the generator uses in this process; call after TensorFlow's environment variables are set."""
    if legacy_keras_requested():
        import tf_keras

        # Later ``import keras`` statements (the model library) must see the same Keras as tf.keras.
        sys.modules["keras"] = tf_keras
        return tf_keras
    import keras

    return keras


def keras_major(keras) -> int:
    return int(str(keras.__version__).split(".")[0])


def is_graph_model(keras, model) -> bool:
    """A functional or Sequential model, whose layers have symbolic outputs; a subclassed model's layers have none."""
    if keras_major(keras) < 3:
        return bool(getattr(model, "_is_graph_network", False))
    from keras.src.models.functional import Functional

    return isinstance(model, (Functional, keras.Sequential))


def graph_layer_output(keras, model, layer):
    """``layer``'s first output in ``model``'s own graph: a shared layer's first call, a nested model's call here.

    A nested model's first node is its own graph's (inputs of its own), which ``layer.output`` would give.
    """
    # The graph's node keys: "<layer name>_ib-<i>" in Keras 2 (_network_nodes), "<id(layer)>_ib-<i>" in Keras 3.
    if keras_major(keras) < 3:
        keys, owner = model._network_nodes, layer.name
    else:
        keys, owner = (model._functional if isinstance(model, keras.Sequential) else model)._nodes, id(layer)
    index = next(i for i in range(len(layer._inbound_nodes)) if f"{owner}_ib-{i}" in keys)
    output = layer._inbound_nodes[index].output_tensors
    return output[0] if isinstance(output, (list, tuple)) else output


def keras_module_name() -> str:
    """``tf_keras`` or ``keras``: what ``import_keras`` returns, for the versions JSON (no import needed)."""
    return "tf_keras" if legacy_keras_requested() else "keras"


def disable_interactive_logging(keras) -> None:
    config = getattr(keras, "config", None)
    if config is not None and hasattr(config, "disable_interactive_logging"):
        config.disable_interactive_logging()
    else:
        keras.utils.disable_interactive_logging()


def to_numpy(keras, tensor) -> np.ndarray:
    ops = getattr(keras, "ops", None)
    if ops is not None:
        return np.asarray(ops.convert_to_numpy(tensor))
    return np.asarray(tensor.numpy() if hasattr(tensor, "numpy") else tensor)


def flatten(keras, structure) -> list:
    tree = getattr(keras, "tree", None)
    if tree is not None:
        return list(tree.flatten(structure))
    import tensorflow as tf

    return list(tf.nest.flatten(structure))


def _accepts(method, parameter: str) -> bool:
    return parameter in inspect.signature(method).parameters


def _version(keras) -> str:
    return f"{keras_module_name()} {keras.__version__}"


# The ExportArchive the case's SavedModel export wrote (the model and its traced ``serve`` endpoint), which the ONNX
# export of the same model takes instead of tracing the same call again; ``forget_saved_model_export`` drops it.
_saved_model_export: dict = {}
_ENDPOINT = "serve"  # Model.export's endpoint name (keras.src.export.saved_model.DEFAULT_ENDPOINT_NAME)


def forget_saved_model_export() -> None:
    _saved_model_export.clear()


def export_saved_model(model, path: Path, input_signature=None) -> None:
    """``model.export(format="tf_saved_model")``, quietly where this Keras can be quiet (``verbose``: 3.6+). With an
    ``input_signature`` before Keras 3.8, the same ``ExportArchive`` steps ``export`` takes inside, with that
    signature."""
    options = {"verbose": False} if _accepts(model.export, "verbose") else {}
    if input_signature is None:
        forget_saved_model_export()
        with _export_archive_recorded(model), _model_resources_walked(model):
            model.export(str(path), format="tf_saved_model", **options)
    elif _accepts(model.export, "input_signature"):
        with _model_resources_walked(model):
            model.export(str(path), format="tf_saved_model", input_signature=input_signature, **options)
    else:
        archive = import_keras().export.ExportArchive()
        archive.track(model)
        archive.add_endpoint("serve", model.__call__, input_signature)
        archive.write_out(str(path))


def export_onnx(model, path: Path) -> None:
    """``model.export(format="onnx")``; Keras before 3.8 has no ONNX export (``keras.src.export.onnx``)."""
    keras = import_keras()
    if importlib.util.find_spec("keras.src.export.onnx") is None:
        raise FormatUnavailable(
            f"{_version(keras)} has no ONNX export: Model.export(format='onnx') arrived in Keras 3.8 "
            "(earlier releases ignore format and write a SavedModel)"
        )
    with _saved_model_trace_reused(model):
        model.export(str(path), format="onnx", verbose=False)


@contextmanager
def _export_archive_recorded(model):
    """Keeps the ``ExportArchive`` that ``model.export`` writes out (``_saved_model_export``)."""
    archive_class = getattr(getattr(import_keras(), "export", None), "ExportArchive", None)
    # From Keras 3.14 ``ExportArchive()`` makes an instance of the backend's subclass: patch what export will make.
    archive_type = None if archive_class is None else type(archive_class())
    if archive_type is None or not hasattr(archive_type, "write_out"):
        yield
        return
    own = vars(archive_type).get("write_out")
    original = archive_type.write_out

    def write_out(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        _saved_model_export.update(model=model, archive=self)
        return result

    archive_type.write_out = write_out
    try:
        yield
    finally:
        if own is None:
            del archive_type.write_out
        else:
            archive_type.write_out = own


@contextmanager
def _model_resources_walked(model):
    """The model's resources (lookup tables), walked for once per case: ``ExportArchive.write_out`` (Keras 3.9+) walks
    every object the model holds (``SavedModelTrackableView(model).descendants()``, 0.07-0.17 CPU s) only to keep the
    ``TrackableResource`` s among them, so the second export of the model (the TFLite variants' static-shape one) takes
    the resources the first walk found. A walk from any other root, or by another view, is TensorFlow's own."""
    from tensorflow.python.checkpoint import trackable_view
    from tensorflow.saved_model.experimental import TrackableResource

    original = trackable_view.TrackableView.descendants

    def descendants(view):
        if type(view).__name__ != "SavedModelTrackableView" or view.root is not model:
            return original(view)
        if _saved_model_export.get("walked") is not model:
            found = original(view)
            _saved_model_export.update(
                walked=model, resources=[node for node in found if isinstance(node, TrackableResource)]
            )
            return found
        return list(_saved_model_export["resources"])

    trackable_view.TrackableView.descendants = descendants
    try:
        yield
    finally:
        trackable_view.TrackableView.descendants = original


@contextmanager
def _saved_model_trace_reused(model):
    """The ONNX export of the model the SavedModel export has written takes that export's traced ``serve`` function:
    Keras's ``export_onnx`` builds an ``ExportArchive`` of its own with the same call and input signature
    (``get_concrete_fn``: track, add the endpoint, trace, filter resources) and hands its function to tf2onnx. Where
    the signature or the arguments differ, or this Keras has no such step, the export traces as it always did."""
    try:
        from keras.src.export import onnx as keras_onnx
    except ImportError:
        keras_onnx = None
    original = getattr(keras_onnx, "get_concrete_fn", None)
    archive = _saved_model_export.get("archive") if _saved_model_export.get("model") is model else None
    if original is None or archive is None:
        yield
        return

    def get_concrete_fn(exported, input_signature, **kwargs):
        traced = getattr(archive, "_endpoint_signatures", {}).get(_ENDPOINT)
        if exported is model and not kwargs and _same_specs(traced, input_signature):
            return archive._get_concrete_fn(_ENDPOINT)  # noqa: SLF001 - what get_concrete_fn returns of its archive
        return original(exported, input_signature, **kwargs)

    keras_onnx.get_concrete_fn = get_concrete_fn
    try:
        yield
    finally:
        keras_onnx.get_concrete_fn = original


def _same_specs(traced, wanted) -> bool:
    """The same nesting of lists and tuples and equal ``tf.TensorSpec`` s (shape, dtype and name)."""
    if isinstance(traced, (list, tuple)) or isinstance(wanted, (list, tuple)):
        return (
            type(traced) is type(wanted)
            and len(traced) == len(wanted)
            and all(_same_specs(a, b) for a, b in zip(traced, wanted, strict=True))
        )
    import tensorflow as tf

    return isinstance(traced, tf.TensorSpec) and isinstance(wanted, tf.TensorSpec) and traced == wanted


def require_weight_sharding(model) -> None:
    """``FormatUnavailable`` where this Keras cannot shard weights: before 3.10, and tf_keras or Keras 2 never."""
    if not _accepts(model.save_weights, "max_shard_size"):
        raise FormatUnavailable(
            f"{_version(import_keras())} cannot shard weights: "
            "Model.save_weights(max_shard_size=...) arrived in Keras 3.10"
        )


def save_sharded_weights(model, path: Path, max_shard_size_gb: float) -> None:
    """``model.save_weights(path, max_shard_size=…)`` (``require_weight_sharding`` first)."""
    require_weight_sharding(model)
    model.save_weights(str(path), max_shard_size=max_shard_size_gb)


# Keras 2 writers for formats whose Keras 3 writer is ``Model.export``: format name → (save, producer).
def _save_savedmodel_keras2(model, path: Path) -> None:
    model.save(str(path), save_format="tf")


def _producer_savedmodel_keras2(versions: dict) -> str:
    return f"keras.Model.save save_format=tf (tf {versions['tensorflow']}, {_keras_label(versions)})"


def _save_onnx_keras2(model, path: Path) -> None:
    import tensorflow as tf
    import tf2onnx

    # Named input specs keep the case's input names as the ONNX graph's input names.
    if model.inputs:
        specs = [
            tf.TensorSpec((None, *tensor.shape[1:]), tensor.dtype, name=_input_name(tensor, index))
            for index, tensor in enumerate(model.inputs)
        ]
    else:  # a subclassed model has no symbolic inputs, only the shape it was built with
        shape = tuple(model._build_input_shape)  # noqa: SLF001 - Keras 2 keeps no public record of it
        specs = [tf.TensorSpec((None, *shape[1:]), model.dtype or "float32", name="input_0")]
    tf2onnx.convert.from_keras(model, input_signature=specs, output_path=str(path))


def _producer_onnx_keras2(versions: dict) -> str:
    return f"tf2onnx {versions['tf2onnx']} convert.from_keras ({_keras_label(versions)}, tf {versions['tensorflow']})"


_KERAS2_WRITERS: dict[str, tuple[Callable, Callable]] = {
    "savedmodel": (_save_savedmodel_keras2, _producer_savedmodel_keras2),
    "onnx": (_save_onnx_keras2, _producer_onnx_keras2),
}


def artifact_writer(format_name: str, module) -> tuple[Callable, Callable]:
    """``(save(model, path), producer(versions))`` for ``format_name`` under the Keras of this process."""
    keras = import_keras()
    if keras_major(keras) < 3 and format_name in _KERAS2_WRITERS:
        return _KERAS2_WRITERS[format_name]
    return module.save, module.producer


def _keras_label(versions: dict) -> str:
    if versions.get("kerasModule") == "tf_keras":
        return f"tf_keras {versions.get('tf_keras')}"
    return f"keras {versions.get('keras')}"


def _input_name(tensor, index: int) -> str:
    name = getattr(tensor, "name", None) or f"input_{index}"
    return name.split(":")[0]
