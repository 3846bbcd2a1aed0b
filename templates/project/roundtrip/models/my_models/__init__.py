"""The project's model library for keras-roundtrip: BUILDERS maps a case's ``model.builder.name`` to a function
``build(args, inputs)`` returning a Keras model. ``inputs`` are the case's inputs (shapes include the batch)."""

import keras


@keras.saving.register_keras_serializable(package="my_models")
class ScaledDense(keras.layers.Layer):
    """A dense layer whose output is multiplied by a constant: ``(x @ kernel + bias) * scale``."""

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = scale

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="random_normal", name="bias")

    def call(self, inputs):
        return (keras.ops.matmul(inputs, self.kernel) + self.bias) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


def build_scaled_dense(args, inputs):
    x = keras.Input(shape=tuple(inputs[0]["shape"][1:]), name=inputs[0]["name"])
    y = ScaledDense(args.get("units", 4), scale=args.get("scale", 1.0), name="scaled_dense")(x)
    return keras.Model(x, y)


BUILDERS = {"scaled_dense": build_scaled_dense}
