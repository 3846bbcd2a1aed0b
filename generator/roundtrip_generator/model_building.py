"""Builds the Keras model a normalized case describes: sequential, functional or a library builder."""

from __future__ import annotations

from .tensorflow_setup import import_tensorflow


def build_model(case: dict):
    """Returns an unbuilt-or-built Keras model; the reference forward pass builds it in any case."""
    kind, body = next(iter(case["model"].items()))
    if kind == "builder":
        from .models import BUILDERS

        return BUILDERS[body["name"]].build(body.get("args") or {}, case["inputs"])
    if kind == "sequential":
        return _build_sequential(body, case["inputs"])
    return _build_functional(body)


def _make_layer(spec: dict, name: str | None = None):
    _, keras = import_tensorflow()
    layer_class = getattr(keras.layers, spec["class"], None)
    if not isinstance(layer_class, type):
        raise ValueError(f"layer class {spec['class']!r} is not in keras.layers (keras {keras.__version__})")
    config = {key: _make_nested_layers(value) for key, value in (spec.get("config") or {}).items()}
    if name is not None:
        config["name"] = name
    return layer_class(**config)


def _make_nested_layers(value):
    """A config value ``{class, config}`` is a wrapped layer (TimeDistributed, Bidirectional …): build it."""
    if isinstance(value, dict) and "class" in value and set(value) <= {"class", "config", "name"}:
        return _make_layer(value, value.get("name"))
    if isinstance(value, list):
        return [_make_nested_layers(item) for item in value]
    return value


def _call_layer(layer, arguments: list, call_mode: str):
    """``list`` passes one tensor alone and several as one list (Concatenate, Add …); ``positional`` passes
    them as separate arguments (MultiHeadAttention(query, value), Attention's list is the ``list`` mode)."""
    if call_mode == "positional":
        return layer(*arguments)
    return layer(arguments[0] if len(arguments) == 1 else arguments)


def _build_sequential(body: dict, case_inputs: list[dict]):
    _, keras = import_tensorflow()
    if len(case_inputs) != 1:
        raise ValueError(f"a sequential model takes one input, the case gives {len(case_inputs)}")
    spec = body["input"]
    model = keras.Sequential(name="sequential")
    model.add(keras.Input(shape=tuple(spec["shape"]), dtype=spec.get("dtype", "float32"), name=case_inputs[0]["name"]))
    for layer in body["layers"]:
        model.add(_make_layer(layer, layer.get("name")))
    return model


def _build_functional(body: dict):
    _, keras = import_tensorflow()
    inputs = [
        keras.Input(shape=tuple(spec["shape"]), dtype=spec.get("dtype", "float32"), name=spec["name"])
        for spec in body["inputs"]
    ]
    tensors = {spec["name"]: tensor for spec, tensor in zip(body["inputs"], inputs, strict=True)}
    for spec in body["layers"]:
        arguments = [tensors[name] for name in spec["call"]]
        tensors[spec["name"]] = _call_layer(_make_layer(spec, spec["name"]), arguments, spec.get("callMode", "list"))
    outputs = [tensors[name] for name in body["outputs"]]
    return keras.Model(
        inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0], name="functional"
    )
