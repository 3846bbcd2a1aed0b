"""A subclassed ``keras.Model`` with get_config/from_config (seed note 001) and its never-registered twin."""

from __future__ import annotations

import keras
import numpy as np


class CustomModelBase(keras.Model):
    """A stack of Dense layers, one per entry of ``hidden_units``."""

    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = list(hidden_units)
        self.dense_layers = [
            keras.layers.Dense(units, name=f"dense_{index}") for index, units in enumerate(self.hidden_units)
        ]

    def call(self, inputs):
        x = inputs
        for layer in self.dense_layers:
            x = layer(x)
        return x

    def get_config(self):
        return {"name": self.name, "hidden_units": self.hidden_units}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class CustomModelTwin(CustomModelBase):
    """Same code as ``CustomModel``, never registered."""


def build_custom_model(model_class: type, args: dict, inputs: list[dict]) -> keras.Model:
    """Builds by calling once on zeros, as seed 001 does, so every format sees created weights."""
    (spec,) = inputs
    model = model_class(hidden_units=args.get("hidden_units", [16, 16, 10]), name="custom_model")
    model(np.zeros((1, *spec["shape"][1:]), dtype=spec["dtype"]))  # numpy: Keras 2 has no keras.ops
    return model


def build_twin(args: dict, inputs: list[dict]) -> keras.Model:
    return build_custom_model(CustomModelTwin, args, inputs)
