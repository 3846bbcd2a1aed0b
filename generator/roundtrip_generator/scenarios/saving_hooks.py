"""Seed 002: after a .keras reload, the property each saving hook is responsible for is restored."""

from __future__ import annotations

import numpy as np

from ..keras_loading import load_keras_model
from . import check


def saving_hooks(context) -> list[dict]:
    from ..models import saving_hooks as library

    model = load_keras_model(context.artifact("keras"), context.case)
    hook = context.args["hook"]
    if hook == "own_variables":
        table = model.get_layer("custom_variable").table
        wanted = library.LayerWithCustomVariable(context.case["model"]["builder"]["args"].get("units", 3)).table
        return [
            check(
                "keras",
                "load-own-variables",
                np.array_equal(table, wanted),
                f"restored table {table.tolist()}, saved {wanted.tolist()}",
            )
        ]
    if hook == "assets":
        vocabulary = model.get_layer("custom_assets").vocabulary
        wanted = [
            word.upper() for word in (context.case["model"]["builder"]["args"].get("vocabulary") or library.VOCABULARY)
        ]
        return [
            check(
                "keras",
                "load-assets",
                vocabulary == wanted,
                f"vocabulary after load_assets {vocabulary}, expected the saved words upper-cased {wanted}",
            )
        ]
    if hook == "build_config":
        layer = model.get_layer("custom_build")
        wanted = float(context.case["model"]["builder"]["args"].get("scale", 3.0))
        return [
            check(
                "keras",
                "build-from-config",
                layer.built and layer.scale == wanted,
                f"built={layer.built}, scale={layer.scale} (saved {wanted})",
            )
        ]
    if hook == "compile_config":
        problems = []
        if not model.compiled:
            problems.append("model is not compiled")
        optimizer = model.optimizer
        if type(optimizer).__name__ != "Adam" or not np.isclose(float(optimizer.learning_rate), 0.0125):
            problems.append(
                f"optimizer {type(optimizer).__name__} lr={float(optimizer.learning_rate)}, expected Adam lr=0.0125"
            )
        if getattr(model.loss, "__name__", None) != "scaled_mse":
            problems.append(f"loss {model.loss!r}, expected scaled_mse")
        x = context.inputs[context.case["inputs"][0]["name"]]
        results = model.evaluate(x, np.zeros_like(list(context.expected.values())[0]), return_dict=True, verbose=0)
        if "mean_prediction" not in results:
            problems.append(f"metrics {sorted(results)} lack mean_prediction")
        return [
            check(
                "keras",
                "compile-from-config",
                not problems,
                "; ".join(problems) or f"Adam(lr=0.0125), scaled_mse, metrics {sorted(results)} restored",
            )
        ]
    raise ValueError(f"scenario saving_hooks: unknown hook {hook!r}")
