"""The model library: builders named by ``model.builder.name`` in a case, and the custom classes each needs.

Only this registry is imported eagerly. The class modules are imported on demand, because importing
``registered`` registers classes with Keras, and a reload in ``absent`` mode must not have them.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

_PACKAGE = __name__


@dataclass(frozen=True)
class CustomClass:
    """A custom Keras class, named by module and attribute so it can be imported only when wanted."""

    module: str
    name: str

    def load(self) -> type:
        return getattr(importlib.import_module(f"{_PACKAGE}.{self.module}"), self.name)


@dataclass(frozen=True)
class Builder:
    """``build(args, inputs)`` returns a Keras model; ``custom_classes`` are what a reload must provide."""

    module: str
    function: str
    custom_classes: tuple[CustomClass, ...] = ()

    def build(self, args: dict, inputs: list[dict]):
        return getattr(importlib.import_module(f"{_PACKAGE}.{self.module}"), self.function)(args, inputs)


RESIDUAL_BLOCK_3D = CustomClass("registered", "ResidualBlock3D")
RESIDUAL_BLOCK_3D_TWIN = CustomClass("residual_block_3d", "ResidualBlock3DTwin")
CUSTOM_MODEL = CustomClass("registered", "CustomModel")
CUSTOM_MODEL_TWIN = CustomClass("custom_model", "CustomModelTwin")

BUILDERS: dict[str, Builder] = {
    "residual_block_3d": Builder("registered", "build_residual_block_3d", (RESIDUAL_BLOCK_3D,)),
    "residual_block_3d_unregistered": Builder("residual_block_3d", "build_twin", (RESIDUAL_BLOCK_3D_TWIN,)),
    "custom_model": Builder("registered", "build_custom_model", (CUSTOM_MODEL,)),
    "custom_model_unregistered": Builder("custom_model", "build_twin", (CUSTOM_MODEL_TWIN,)),
    "custom_variable": Builder(
        "saving_hooks", "build_custom_variable", (CustomClass("saving_hooks", "LayerWithCustomVariable"),)
    ),
    "custom_assets": Builder(
        "saving_hooks", "build_custom_assets", (CustomClass("saving_hooks", "LayerWithCustomAssets"),)
    ),
    "custom_build": Builder(
        "saving_hooks", "build_custom_build", (CustomClass("saving_hooks", "LayerWithCustomBuild"),)
    ),
    "custom_compile": Builder(
        "saving_hooks",
        "build_custom_compile",
        (
            CustomClass("saving_hooks", "ModelWithCustomCompile"),
            CustomClass("saving_hooks", "scaled_mse"),
            CustomClass("saving_hooks", "MeanPrediction"),
        ),
    ),
    "lambda_layer": Builder("saving_edge_cases", "build_lambda"),
    "no_from_config": Builder(
        "saving_edge_cases", "build_no_from_config", (CustomClass("saving_edge_cases", "NoFromConfigLayer"),)
    ),
    "nested_models": Builder("saving_edge_cases", "build_nested"),
    "shared_layers": Builder("saving_edge_cases", "build_shared"),
    "layer_containers": Builder(
        "saving_edge_cases", "build_containers", (CustomClass("saving_edge_cases", "ContainerModel"),)
    ),
    "normalization_adapt": Builder("saving_edge_cases", "build_normalization_adapt"),
    "string_lookup": Builder("saving_edge_cases", "build_string_lookup"),
    "integer_lookup_adapt": Builder("saving_edge_cases", "build_integer_lookup_adapt"),
    "text_vectorization": Builder("saving_edge_cases", "build_text_vectorization"),
    "unbuilt_sequential": Builder("saving_edge_cases", "build_unbuilt"),
    "mixed_precision": Builder("saving_edge_cases", "build_mixed_precision"),
}


@dataclass(frozen=True)
class UserBuilder:
    """A builder from the user's model library given as a plain ``build(args, inputs)`` function."""

    function: Callable
    custom_classes: tuple = ()

    def build(self, args: dict, inputs: list[dict]):
        return self.function(args, inputs)


def _user_builders() -> dict:
    """``BUILDERS`` of the module named by ROUNDTRIP_USER_MODELS (the project config's modelLibrary, on PYTHONPATH)."""
    module_name = os.environ.get("ROUNDTRIP_USER_MODELS")
    if not module_name:
        return {}
    entries = importlib.import_module(module_name).BUILDERS
    return {name: entry if hasattr(entry, "build") else UserBuilder(entry) for name, entry in entries.items()}


BUILDERS.update(_user_builders())
