"""The registering module: importing it registers the library's custom classes under package "roundtrip"."""

from __future__ import annotations

import keras

from .custom_model import CustomModelBase, build_custom_model
from .residual_block_3d import ResidualBlock3DBase, build_residual_model


@keras.saving.register_keras_serializable(package="roundtrip")
class ResidualBlock3D(ResidualBlock3DBase):
    """The Conv3D residual block, registered as ``roundtrip>ResidualBlock3D``."""


@keras.saving.register_keras_serializable(package="roundtrip")
class CustomModel(CustomModelBase):
    """The subclassed model, registered as ``roundtrip>CustomModel``."""


def build_residual_block_3d(args: dict, inputs: list[dict]) -> keras.Model:
    return build_residual_model(ResidualBlock3D, args, inputs)


def build_custom_model(args: dict, inputs: list[dict]) -> keras.Model:
    return _build_custom_model(CustomModel, args, inputs)


_build_custom_model = build_custom_model.__globals__["build_custom_model"]
