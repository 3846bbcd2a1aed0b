"""Layers and models using the Keras 3 saving hooks (seed note 002), registered under package "roundtrip"."""

from __future__ import annotations

import keras
import numpy as np

VOCABULARY = ["alpha", "beta", "gamma"]


@keras.saving.register_keras_serializable(package="roundtrip")
class LayerWithCustomVariable(keras.layers.Layer):
    """Holds a non-weight numpy table that it saves and restores itself through save/load_own_variables."""

    def __init__(self, units: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.table = np.arange(units, dtype="float32") * 0.5 + 1.0

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel) * keras.ops.convert_to_tensor(self.table)

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store["table"] = self.table

    def load_own_variables(self, store):
        self.table = np.array(store["table"])
        super().load_own_variables({key: store[key] for key in store.keys() if key != "table"})

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="roundtrip")
class LayerWithCustomAssets(keras.layers.Layer):
    """Writes its vocabulary as an asset file and reads it back, upper-cased, on load."""

    def __init__(self, vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = list(vocabulary or VOCABULARY)

    def call(self, inputs):
        return inputs * float(len(self.vocabulary))

    def save_assets(self, inner_path):
        with open(f"{inner_path}/vocabulary.txt", "w", encoding="utf-8") as file:
            file.write("\n".join(self.vocabulary))

    def load_assets(self, inner_path):
        with open(f"{inner_path}/vocabulary.txt", encoding="utf-8") as file:
            self.vocabulary = [word.upper() for word in file.read().split("\n")]

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary}


@keras.saving.register_keras_serializable(package="roundtrip")
class LayerWithCustomBuild(keras.layers.Layer):
    """build() takes an extra ``scale`` argument, recorded in get_build_config and replayed by build_from_config."""

    def __init__(self, units: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = None

    def build(self, input_shape, scale=2.0):
        self.scale = float(scale)
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.built = True

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.kernel) * self.scale

    def get_build_config(self):
        return {"input_shape": self._recorded_shape, "scale": self.scale}

    def build_from_config(self, config):
        self.build(config["input_shape"], scale=config["scale"])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="roundtrip")
def scaled_mse(y_true, y_pred):
    return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


@keras.saving.register_keras_serializable(package="roundtrip")
class MeanPrediction(keras.metrics.Mean):
    """A custom metric: the mean of the predictions."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(y_pred, sample_weight=sample_weight)


@keras.saving.register_keras_serializable(package="roundtrip")
class ModelWithCustomCompile(keras.Model):
    """A subclassed model whose compile arguments travel through get/compile_from_config."""

    def __init__(self, units: int = 3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units, name="dense")

    def call(self, inputs):
        return self.dense(inputs)

    def get_config(self):
        return {"name": self.name, "units": self.units}

    def get_compile_config(self):
        return {
            "optimizer": keras.saving.serialize_keras_object(self.optimizer),
            "loss": "roundtrip>scaled_mse",
            "metrics": ["roundtrip>MeanPrediction"],
        }

    def compile_from_config(self, config):
        self.compile(
            optimizer=keras.saving.deserialize_keras_object(config["optimizer"]),
            loss=keras.saving.get_registered_object(config["loss"]),
            metrics=[keras.saving.get_registered_object(name)(name="mean_prediction") for name in config["metrics"]],
        )


def _functional(layer, spec: dict, name: str, build_kwargs: dict | None = None) -> keras.Model:
    tensor = keras.Input(shape=tuple(spec["shape"][1:]), dtype=spec["dtype"], name=spec["name"])
    if build_kwargs is not None:
        layer._recorded_shape = (None, *spec["shape"][1:])
        layer.build(layer._recorded_shape, **build_kwargs)
    return keras.Model(tensor, layer(tensor), name=name)


def build_custom_variable(args: dict, inputs: list[dict]) -> keras.Model:
    return _functional(
        LayerWithCustomVariable(args.get("units", 3), name="custom_variable"), inputs[0], "custom_variable"
    )


def build_custom_assets(args: dict, inputs: list[dict]) -> keras.Model:
    return _functional(LayerWithCustomAssets(args.get("vocabulary"), name="custom_assets"), inputs[0], "custom_assets")


def build_custom_build(args: dict, inputs: list[dict]) -> keras.Model:
    return _functional(
        LayerWithCustomBuild(args.get("units", 3), name="custom_build"),
        inputs[0],
        "custom_build",
        {"scale": args.get("scale", 3.0)},
    )


def build_custom_compile(args: dict, inputs: list[dict]) -> keras.Model:
    (spec,) = inputs
    model = ModelWithCustomCompile(args.get("units", 3), name="custom_compile")
    model(keras.ops.zeros((1, *spec["shape"][1:])))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.0125),
        loss=scaled_mse,
        metrics=[MeanPrediction(name="mean_prediction")],
    )
    return model
