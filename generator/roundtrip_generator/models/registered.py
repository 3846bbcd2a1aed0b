"""The registering module: importing it registers the library's custom classes under package "roundtrip"."""

from __future__ import annotations

import keras

from . import custom_model, residual_block_3d


@keras.saving.register_keras_serializable(package="roundtrip")
class ResidualBlock3D(residual_block_3d.ResidualBlock3DBase):
    """The Conv3D residual block, registered as ``roundtrip>ResidualBlock3D``."""


@keras.saving.register_keras_serializable(package="roundtrip")
class CustomModel(custom_model.CustomModelBase):
    """The subclassed model, registered as ``roundtrip>CustomModel``."""


def build_residual_block_3d(args: dict, inputs: list[dict]) -> keras.Model:
    return residual_block_3d.build_residual_model(ResidualBlock3D, args, inputs)


def build_custom_model(args: dict, inputs: list[dict]) -> keras.Model:
    return custom_model.build_custom_model(CustomModel, args, inputs)
