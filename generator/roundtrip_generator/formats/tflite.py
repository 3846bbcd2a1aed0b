"""TFLite flatbuffers from ``tf.lite.TFLiteConverter``: the float32 model and the quantized variants a deployment uses.

Each variant is its own format (``FORMATS``): float32, dynamic-range int8 weights, float16 weights, and full int8 with
a representative dataset (float inputs and outputs, int8 inside). All convert one SavedModel of the case: under
Keras 3 the model at the reference inputs' static shapes, batch included, as deployed models have them (LiteRT.js
cannot resize inputs); under Keras 2 the model's own signature, what ``from_keras_model`` converts.
The reload prefers ``ai_edge_litert`` when installed and falls back to the deprecated ``tf.lite.Interpreter``; the
manifest records which (``interpreter``), and deprecation warnings seen on the way go into the check message.
``truth`` decodes the flatbuffer with the ``schema_py_generated`` module of the TensorFlow that wrote it.
"""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ..input_generation import generate_inputs
from ..signature_maps import map_inputs, map_outputs
from ..tensorflow_setup import import_tensorflow

SIGNATURE = "serving_default"
REPRESENTATIVE_SAMPLES = 32

# variant → (artifact path, what the converter is told beyond the float32 defaults)
VARIANTS = {
    "tflite": ("artifacts/model.tflite", "float32"),
    "tflite-dynamic-int8": ("artifacts/model.dynamic-int8.tflite", "dynamic-range int8 weights"),
    "tflite-float16": ("artifacts/model.float16.tflite", "float16 weights"),
    "tflite-int8": ("artifacts/model.int8.tflite", "full int8, representative dataset, float inputs and outputs"),
}


# The SavedModel every variant of the case converts from, made (or found) once: exporting (tracing) costs more than a
# conversion. One entry, for the case being written; ``release`` drops it (the model, the folder, the loaded objects).
_case_export: dict = {}


def release() -> None:
    """Drops the case's export, so the finished case's model and temporary folder do not outlive it."""
    folder = _case_export.get("folder")
    _case_export.clear()
    if folder is not None:
        folder.cleanup()


def _saved_model_for(model, case: dict) -> str | None:
    """The SavedModel directory the case's variants convert from, or None where Keras 2 could not save one.

    Keras 3: the model exported at the reference inputs' static shapes (``model.export`` with that input signature:
    converting a traced call leaves variables unfrozen). Keras 2: the SavedModel ``TFLiteConverter.from_keras_model``
    saves and converts, ``tf.saved_model.save`` of the model (its default signature) with debug info; the case's
    ``savedmodel`` artifact (``model.save``) is not it: for a recurrent layer its serving graph is another one.
    """
    from ..keras_compat import export_saved_model, import_keras, keras_major

    if _case_export.get("model") is model:
        return _case_export["path"]
    release()
    tf, _ = import_tensorflow()
    folder = tempfile.TemporaryDirectory(prefix="roundtrip-tflite-")
    export_dir = Path(folder.name) / "savedmodel"
    _case_export.update(model=model, folder=folder, path=None, loaded={})
    if keras_major(import_keras()) < 3:
        try:
            tf.saved_model.save(model, str(export_dir), options=tf.saved_model.SaveOptions(save_debug_info=True))
        except Exception:  # noqa: BLE001 - as from_keras_model does: then it converts the model another way
            return None
    else:
        specs = [tf.TensorSpec(spec["shape"], spec["dtype"], name=spec["name"]) for spec in case["inputs"]]
        export_saved_model(model, export_dir, input_signature=specs if len(specs) == 1 else [specs])
    _case_export["path"] = str(export_dir)
    return _case_export["path"]


def keras2_saved_model(model) -> str | None:
    """Under Keras 2, the case's ``tf.saved_model.save`` of ``model`` (``_saved_model_for``), for another format to
    convert from; None under Keras 3 (whose variants convert a static-shape export) or where the save failed."""
    from ..keras_compat import import_keras, keras_major

    if keras_major(import_keras()) >= 3:
        return None
    return _saved_model_for(model, None)


def _converter(tf, model, case: dict):
    """A converter for the case's SavedModel (``_saved_model_for``), its ``serving_default`` signature: what
    ``from_saved_model`` picks for a ``model.export`` SavedModel and ``from_keras_model`` for its own; where Keras 2
    could not save one, ``from_keras_model`` itself."""
    export_dir = _saved_model_for(model, case)
    if export_dir is None:
        return tf.lite.TFLiteConverter.from_keras_model(model)
    with _one_load_per_case(export_dir):
        return tf.lite.TFLiteConverter.from_saved_model(export_dir, signature_keys=[SIGNATURE])


@contextmanager
def _one_load_per_case(export_dir: str):
    """The converter's Python side loads the SavedModel (``tf.saved_model.load``) for its signatures in
    ``from_saved_model`` and, from TF 2.19, again in ``convert`` for its debug info; the native converter reads the
    directory itself. Those loads of the case's SavedModel share one loaded object here (two per variant were a third
    of the variants' seconds). Nothing of it is changed: with ``signature_keys`` given, ``from_saved_model`` leaves
    the object as loaded."""
    from tensorflow.lite.python import lite

    original = getattr(lite, "_load", None)
    if original is None:  # a TensorFlow that loads otherwise: its own loads
        yield
        return
    loaded = _case_export["loaded"]

    def load(directory, tags=None, options=None):
        if str(directory) != export_dir or options is not None:
            return original(directory, tags, options)
        key = tuple(sorted(tags or ()))
        if key not in loaded:
            loaded[key] = original(directory, tags)
        return loaded[key]

    lite._load = load  # noqa: SLF001 - the converter's own module-level name for tf.saved_model.load
    try:
        yield
    finally:
        lite._load = original  # noqa: SLF001


def _representative_dataset(case: dict):
    """Samples drawn like the reference inputs, from another seed, so calibration never sees the checked inputs; keyed
    by the converted signature's input names (a Keras 2 subclassed model's input is ``input_1``, whatever the case
    calls it), mapped onto the case's as the manifest maps them."""
    case_names = [spec["name"] for spec in case["inputs"]]
    keys = {name: name for name in case_names}
    export_dir = _case_export.get("path")
    if export_dir is not None:
        signature_keys = _signature_input_keys(Path(export_dir))
        if signature_keys:
            keys = {name: key for key, name in map_inputs(signature_keys, case_names).items()}

    def samples():
        for index in range(REPRESENTATIVE_SAMPLES):
            drawn = generate_inputs({**case, "seed": case["seed"] + 1 + index})
            yield {keys.get(name, name): array for name, array in drawn.items()}

    return samples


def _signature_input_keys(export_dir: Path) -> list[str]:
    """The ``serving_default`` signature's input names in the SavedModel's own ``saved_model.pb``, sorted."""
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString((export_dir / "saved_model.pb").read_bytes())
    for graph in saved_model.meta_graphs:
        if "serve" in graph.meta_info_def.tags and SIGNATURE in graph.signature_def:
            return sorted(graph.signature_def[SIGNATURE].inputs)
    return []


def _convert(variant: str, model, case: dict) -> bytes:
    tf, _ = import_tensorflow()
    converter = _configured(tf, variant, _converter(tf, model, case), case)
    export_dir = _case_export.get("path")
    with _reproducible_quantizer(), _one_load_per_case(export_dir) if export_dir else nullcontext():
        return converter.convert()


# Full-int8 quantization (the converter's ``mlir_quantize`` of the calibrated model) is not deterministic: the same
# calibrated bytes, quantized again in the same process, come out differently about one time in ten (an unrolled
# LSTM's first step is sometimes left in float32 behind a DEQUANTIZE, 16928 bytes instead of 16128), so the file
# depended on the run (tensorflow/tensorflow#55512). The case's file is the most quantized of the results.
QUANTIZE_ATTEMPTS = 8


@contextmanager
def _reproducible_quantizer():
    """``lite._mlir_quantize`` (what ``convert`` calls with the calibrated model) picks ``canonical_quantization``."""
    from tensorflow.lite.python import lite

    original = getattr(lite, "_mlir_quantize", None)
    if original is None:  # a TensorFlow that quantizes otherwise: its own result
        yield
        return

    def quantize(calibrated, *args, **kwargs):
        return canonical_quantization(lambda: original(calibrated, *args, **kwargs))

    lite._mlir_quantize = quantize  # noqa: SLF001 - the converter's module-level name for convert.mlir_quantize
    try:
        yield
    finally:
        lite._mlir_quantize = original  # noqa: SLF001


def canonical_quantization(quantize, attempts: int = QUANTIZE_ATTEMPTS) -> bytes:
    """The first result with no float32 tensor but the model's inputs and outputs (nothing left to quantize), else the
    least float one of ``attempts`` results (fewest float32 tensors, then fewest bytes, then the lowest sha256)."""
    results = []
    for _ in range(attempts):
        result = bytes(quantize())
        floats = _inner_float_tensors(result)
        if floats == 0:
            return result
        results.append((floats, len(result), hashlib.sha256(result).hexdigest(), result))
    return min(results)[3]


def _inner_float_tensors(data: bytes) -> int:
    """float32 tensors of the flatbuffer that are not a subgraph's input or output."""
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    count = 0
    for subgraph in model.subgraphs or []:
        boundary = set(_ints(subgraph.inputs)) | set(_ints(subgraph.outputs))
        count += sum(
            1
            for index, tensor in enumerate(subgraph.tensors or [])
            if tensor.type == schema.TensorType.FLOAT32 and index not in boundary
        )
    return count


def _configured(tf, variant: str, converter, case: dict):
    if variant == "tflite":
        # Ops without a TFLite builtin (e.g. some recurrent kernels) fall back to TF select ops.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    else:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "tflite-float16":
        converter.target_spec.supported_types = [tf.float16]
    if variant == "tflite-int8":
        converter.representative_dataset = _representative_dataset(case)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter


def _variant(variant: str) -> SimpleNamespace:
    artifact_path, description = VARIANTS[variant]

    def producer(versions: dict) -> str:
        return f"tf.lite.TFLiteConverter, {description} (tf {versions['tensorflow']}, keras {versions['keras']})"

    def save(model, path: Path) -> None:
        raise TypeError(f"{variant} needs the case's input shapes: use save_for_case")

    def save_for_case(model, path: Path, case: dict) -> None:
        path.write_bytes(_convert(variant, model, case))

    return SimpleNamespace(
        ARTIFACT_PATH=artifact_path,
        producer=producer,
        save=save,
        save_for_case=save_for_case,
        describe=describe,
        truth=truth,
        run=run,
        release=release,
    )


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    """Every signature the model has; the input and output maps are serving_default's (or the only one's)."""
    interpreter, interpreter_name, _ = _interpreter(path)
    signatures = {}
    for key in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(key)
        details_in, details_out = runner.get_input_details(), runner.get_output_details()
        signatures[key] = {
            "inputs": {name: _describe(value) for name, value in details_in.items()},
            "outputs": {name: _describe(details_out[name]) for name in sorted(details_out)},
        }
    main = signatures[SIGNATURE if SIGNATURE in signatures else next(iter(signatures))]
    return {
        "interpreter": interpreter_name,
        "signatures": signatures,
        "inputMap": map_inputs(list(main["inputs"]), [spec["name"] for spec in case["inputs"]]),
        "outputMap": map_outputs(list(main["outputs"]), reference_names),
    }


def _text(value) -> str | None:
    return None if value is None else value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _ints(array) -> list[int]:
    return [] if array is None else [int(item) for item in array]


def _floats(array) -> list[float]:
    return [] if array is None else [float(item) for item in np.asarray(array, dtype=np.float32)]


def _names(enum_class) -> dict[int, str]:
    return {
        value: name for name, value in vars(enum_class).items() if not name.startswith("_") and isinstance(value, int)
    }


_NUMPY_NAMES = {
    "FLOAT16": "float16",
    "BFLOAT16": "bfloat16",
    "FLOAT32": "float32",
    "FLOAT64": "float64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "BOOL": "bool",
}
_ITEM_BYTES = {
    "float16": 2,
    "bfloat16": 2,
    "float32": 4,
    "float64": 8,
    "int8": 1,
    "int16": 2,
    "int32": 4,
    "int64": 8,
    "uint8": 1,
    "uint16": 2,
    "uint32": 4,
    "uint64": 8,
    "bool": 1,
}


def truth(path: Path) -> dict:
    """What the TFLite release's own Python schema decodes: the structure as ``config``, constant tensors' bytes."""
    from tensorflow.lite.python import schema_py_generated as schema

    data = path.read_bytes()
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    operators_by_code, tensor_types = _names(schema.BuiltinOperator), _names(schema.TensorType)
    options_names, details_names = _names(schema.BuiltinOptions), _names(schema.QuantizationDetails)
    codes = [
        {
            "builtin": operators_by_code.get(
                max(code.builtinCode, code.deprecatedBuiltinCode),
                f"BuiltinOperator({max(code.builtinCode, code.deprecatedBuiltinCode)})",
            ),
            "builtinCode": int(code.builtinCode),
            "deprecatedBuiltinCode": int(code.deprecatedBuiltinCode),
            "customCode": _text(code.customCode),
            "version": int(code.version),
        }
        for code in model.operatorCodes or []
    ]
    buffers, buffer_bytes = [], []
    for buffer in model.buffers or []:
        external = int(buffer.offset) > 1
        raw = (
            data[int(buffer.offset) : int(buffer.offset) + int(buffer.size)]
            if external
            else (b"" if buffer.data is None else np.asarray(buffer.data, dtype=np.uint8).tobytes())
        )
        buffer_bytes.append(raw)
        buffers.append(
            {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest() if raw else None, "external": external}
        )
    weights, subgraphs = {}, []
    for subgraph_index, subgraph in enumerate(model.subgraphs or []):
        tensors = []
        for index, tensor in enumerate(subgraph.tensors or []):
            type_name = tensor_types.get(tensor.type, f"TensorType({tensor.type})")
            dtype = _NUMPY_NAMES.get(type_name, type_name)
            quantization = tensor.quantization
            tensors.append(
                {
                    "name": _text(tensor.name) or "",
                    "dtype": dtype,
                    "shape": _ints(tensor.shape),
                    "shapeSignature": _ints(tensor.shapeSignature)
                    if tensor.shapeSignature is not None and len(tensor.shapeSignature)
                    else None,
                    "buffer": int(tensor.buffer),
                    "isVariable": bool(tensor.isVariable),
                    "quantization": None
                    if quantization is None
                    else {
                        "min": _floats(quantization.min),
                        "max": _floats(quantization.max),
                        "scale": _floats(quantization.scale),
                        "zeroPoint": _ints(quantization.zeroPoint),
                        "quantizedDimension": int(quantization.quantizedDimension),
                        "details": details_names.get(quantization.detailsType) if quantization.detailsType else None,
                    },
                    "sparse": tensor.sparsity is not None,
                }
            )
            raw = buffer_bytes[tensor.buffer] if tensor.buffer < len(buffer_bytes) else b""
            if raw and dtype in _ITEM_BYTES:
                weights[f"subgraphs/{subgraph_index}/tensors/{index}"] = {
                    "dtype": dtype,
                    "shape": _ints(tensor.shape),
                    "sha256": hashlib.sha256(raw).hexdigest(),
                }
        operators = [
            {
                "opcodeIndex": int(op.opcodeIndex),
                "builtin": codes[op.opcodeIndex]["builtin"],
                "version": codes[op.opcodeIndex]["version"],
                "inputs": _ints(op.inputs),
                "outputs": _ints(op.outputs),
                "builtinOptions": options_names.get(op.builtinOptionsType) if op.builtinOptionsType else None,
            }
            for op in subgraph.operators or []
        ]
        subgraphs.append(
            {
                "name": _text(subgraph.name) or "",
                "inputs": _ints(subgraph.inputs),
                "outputs": _ints(subgraph.outputs),
                "tensors": tensors,
                "operators": operators,
            }
        )
    signature_defs = [
        {
            "signatureKey": _text(signature.signatureKey) or "",
            "subgraphIndex": int(signature.subgraphIndex),
            "inputs": [
                {"name": _text(item.name) or "", "tensorIndex": int(item.tensorIndex)}
                for item in signature.inputs or []
            ],
            "outputs": [
                {"name": _text(item.name) or "", "tensorIndex": int(item.tensorIndex)}
                for item in signature.outputs or []
            ],
        }
        for signature in model.signatureDefs or []
    ]
    metadata = [{"name": _text(entry.name) or "", "buffer": int(entry.buffer)} for entry in model.metadata or []]
    config = {
        "version": int(model.version),
        "description": _text(model.description),
        "operatorCodes": codes,
        "subgraphs": subgraphs,
        "buffers": buffers,
        "signatureDefs": signature_defs,
        "metadata": metadata,
    }
    return {"weights": weights, "config": config, "signatures": signature_defs}


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]):
    runner, interpreter_name, seen = _signature_runner(path)
    result = runner(**{key: inputs[name] for key, name in artifact["inputMap"].items()})
    outputs = {name: np.asarray(result[key]) for key, name in artifact["outputMap"].items()}
    note = f"interpreter {interpreter_name}"
    if seen:
        note += "; warnings: " + " | ".join(seen)
    return outputs, note


def interpreter_class():
    """``(Interpreter class, its dotted name)``: ai_edge_litert's where installed, else tf.lite's."""
    try:
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "ai_edge_litert.interpreter.Interpreter"
    except ImportError:
        tf, _ = import_tensorflow()
        return tf.lite.Interpreter, "tf.lite.Interpreter"


def _interpreter(path: Path):
    """``(interpreter, its name, warning texts)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Interpreter, name = interpreter_class()
        interpreter = Interpreter(model_path=str(path))
    seen = sorted(
        {
            " ".join(str(item.message).split())[:200]
            for item in caught
            if issubclass(item.category, (DeprecationWarning, UserWarning, FutureWarning))
        }
    )
    return interpreter, name, seen


def _signature_runner(path: Path):
    """``(runner, interpreter name, warning texts)`` for the ``serving_default`` signature (or the only one)."""
    interpreter, name, seen = _interpreter(path)
    signatures = interpreter.get_signature_list()
    runner = interpreter.get_signature_runner(SIGNATURE if SIGNATURE in signatures else next(iter(signatures)))
    return runner, name, seen


def _describe(detail: dict) -> dict:
    return {"dtype": np.dtype(detail["dtype"]).name, "shape": [int(d) for d in detail["shape_signature"]]}


FORMATS = {variant: _variant(variant) for variant in VARIANTS}
