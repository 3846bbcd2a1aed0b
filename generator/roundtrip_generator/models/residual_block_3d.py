"""A Conv3D residual block (seed note 000) and its never-registered twin.

Nothing in this module calls ``register_keras_serializable``: a model built from ``ResidualBlock3DTwin``
can only be reloaded when the loader is handed the class.
"""

from __future__ import annotations

import keras


class ResidualBlock3DBase(keras.layers.Layer):
    """conv → relu → conv, plus the input (projected by a 1×1×1 conv when channels differ), then relu."""

    def __init__(self, filters: int, kernel_size=(3, 3, 3), **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = tuple(kernel_size)
        self.conv_a = keras.layers.Conv3D(filters, self.kernel_size, padding="same", activation="relu", name="conv_a")
        self.conv_b = keras.layers.Conv3D(filters, self.kernel_size, padding="same", name="conv_b")
        self.projection = None

    def build(self, input_shape):
        # Sublayers are built here so a reload can restore their weights before the first call.
        if input_shape[-1] != self.filters:
            self.projection = keras.layers.Conv3D(self.filters, 1, name="projection")
            self.projection.build(input_shape)
        self.conv_a.build(input_shape)
        self.conv_b.build((*input_shape[:-1], self.filters))

    def call(self, inputs):
        shortcut = inputs if self.projection is None else self.projection(inputs)
        return keras.activations.relu(self.conv_b(self.conv_a(inputs)) + shortcut)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size)}


class ResidualBlock3DTwin(ResidualBlock3DBase):
    """Same code as ``ResidualBlock3D``, never registered."""


def build_residual_model(block_class: type, args: dict, inputs: list[dict]) -> keras.Model:
    """Input (case input name and shape) → block → global average pool → Dense."""
    (spec,) = inputs
    tensor = keras.Input(shape=tuple(spec["shape"][1:]), dtype=spec["dtype"], name=spec["name"])
    features = block_class(filters=args.get("filters", 2), name="residual_block")(tensor)
    pooled = keras.layers.GlobalAveragePooling3D(name="pool")(features)
    output = keras.layers.Dense(args.get("units", 3), name="head")(pooled)
    return keras.Model(tensor, output, name="residual_block_3d")


def build_twin(args: dict, inputs: list[dict]) -> keras.Model:
    return build_residual_model(ResidualBlock3DTwin, args, inputs)
