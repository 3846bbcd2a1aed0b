"""Models for Keras's own saving edge cases: Lambda, no from_config, nesting, sharing, containers, adapt."""

from __future__ import annotations

import keras
import numpy as np


def _input(spec: dict):
    return keras.Input(shape=tuple(spec["shape"][1:]), dtype=spec["dtype"], name=spec["name"])


def build_lambda(args: dict, inputs: list[dict]) -> keras.Model:
    tensor = _input(inputs[0])
    doubled = keras.layers.Lambda(lambda x: x * 2.0 + 1.0, name="affine")(tensor)
    return keras.Model(tensor, keras.layers.Dense(2, name="head")(doubled), name="lambda_model")


@keras.saving.register_keras_serializable(package="roundtrip")
class NoFromConfigLayer(keras.layers.Layer):
    """Needs ``factor`` but its get_config does not record it: from_config cannot rebuild it."""

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        # Only the base keys: overriding get_config stops Keras 3 from auto-recording ``factor``.
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype_policy.name}


def build_no_from_config(args: dict, inputs: list[dict]) -> keras.Model:
    tensor = _input(inputs[0])
    return keras.Model(tensor, NoFromConfigLayer(3.0, name="scale")(tensor), name="no_from_config")


def build_nested(args: dict, inputs: list[dict]) -> keras.Model:
    """A Sequential inside a functional model inside another functional model."""
    spec = inputs[0]
    inner = keras.Sequential(
        [keras.Input(tuple(spec["shape"][1:])), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(4)],
        name="inner",
    )
    middle_in = keras.Input(tuple(spec["shape"][1:]))
    middle = keras.Model(middle_in, keras.layers.Dense(3, name="middle_head")(inner(middle_in)), name="middle")
    tensor = _input(spec)
    return keras.Model(tensor, keras.layers.Dense(2, name="outer_head")(middle(tensor)), name="nested")


def build_shared(args: dict, inputs: list[dict]) -> keras.Model:
    """One Dense applied to two inputs and reused twice on one path."""
    a, b = (_input(spec) for spec in inputs)
    shared = keras.layers.Dense(inputs[0]["shape"][-1], activation="tanh", name="shared")
    left = shared(shared(a))
    right = shared(b)
    return keras.Model([a, b], keras.layers.Add(name="sum")([left, right]), name="shared_layers")


@keras.saving.register_keras_serializable(package="roundtrip")
class ContainerModel(keras.Model):
    """Sublayers tracked in a list and in a dict."""

    def __init__(self, units: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.stack = [keras.layers.Dense(units, activation="relu", name=f"stack_{i}") for i in range(2)]
        self.heads = {
            "first": keras.layers.Dense(2, name="head_first"),
            "second": keras.layers.Dense(2, name="head_second"),
        }

    def call(self, inputs):
        x = inputs
        for layer in self.stack:
            x = layer(x)
        return self.heads["first"](x) + self.heads["second"](x)

    def get_config(self):
        return {"name": self.name, "units": self.units}


def build_containers(args: dict, inputs: list[dict]) -> keras.Model:
    model = ContainerModel(args.get("units", 3), name="containers")
    model(keras.ops.zeros((1, *inputs[0]["shape"][1:])))
    return model


def _adapt_data(seed: int, shape) -> np.ndarray:
    return np.random.default_rng(seed).normal(3.0, 2.0, size=(32, *shape)).astype("float32")


def build_normalization_adapt(args: dict, inputs: list[dict]) -> keras.Model:
    spec = inputs[0]
    layer = keras.layers.Normalization(name="normalize")
    layer.adapt(_adapt_data(7, spec["shape"][1:]))
    tensor = _input(spec)
    return keras.Model(tensor, keras.layers.Dense(2, name="head")(layer(tensor)), name="normalization_adapt")


CORPUS = ["the cat sat", "the dog ran", "a cat ran far", "dog and cat"]
WORDS = ["the", "cat", "dog", "ran", "sat"]


def build_string_lookup(args: dict, inputs: list[dict]) -> keras.Model:
    layer = keras.layers.StringLookup(name="lookup")
    layer.adapt(np.array(args.get("words", WORDS)))
    tensor = _input(inputs[0])
    return keras.Model(tensor, layer(tensor), name="string_lookup")


# Frequencies 4, 3, 2, 2, 1, 1: adapt orders the vocabulary by count (7, 3, 11, 5, …), max_tokens cuts the rarest.
INTEGER_DATA = [7, 3, 7, 11, 3, 7, 42, 11, 7, 5, 3, 19]


def build_integer_lookup_adapt(args: dict, inputs: list[dict]) -> keras.Model:
    """Two IntegerLookup layers adapted on the same integers: int indices, and counts over the 4 most frequent."""
    data = np.array(args.get("data", INTEGER_DATA), dtype="int64")
    indices = keras.layers.IntegerLookup(name="indices")
    indices.adapt(data)
    counts = keras.layers.IntegerLookup(max_tokens=args.get("max_tokens", 5), output_mode="count", name="counts")
    counts.adapt(data)
    tensor = _input(inputs[0])
    return keras.Model(tensor, [indices(tensor), counts(tensor)], name="integer_lookup_adapt")


def build_text_vectorization(args: dict, inputs: list[dict]) -> keras.Model:
    layer = keras.layers.TextVectorization(output_sequence_length=args.get("length", 4), name="vectorize")
    layer.adapt(np.array(args.get("corpus", CORPUS)))
    tensor = _input(inputs[0])
    return keras.Model(tensor, layer(tensor), name="text_vectorization")


def build_unbuilt(args: dict, inputs: list[dict]) -> keras.Model:
    """A Sequential without an Input: nothing is built until the first call."""
    return keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)], name="unbuilt")


def build_mixed_precision(args: dict, inputs: list[dict]) -> keras.Model:
    tensor = _input(inputs[0])
    hidden = keras.layers.Dense(8, activation="relu", dtype="mixed_float16", name="hidden")(tensor)
    output = keras.layers.Dense(2, dtype="float32", name="head")(hidden)
    return keras.Model(tensor, output, name="mixed_precision")
