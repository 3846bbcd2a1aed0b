"""``keras.models.load_model`` and fresh-model building as a case's ``load`` block asks for them."""

from __future__ import annotations

from pathlib import Path

from .custom_objects import loading_options
from .tensorflow_setup import import_tensorflow


def load_keras_model(path: Path, case: dict, **overrides):
    """Loads a whole-model file with the case's customObjects mode, safe_mode and compile flags."""
    _, keras = import_tensorflow()
    load = case["load"]
    kwargs, context = loading_options(load["customObjects"], case)
    kwargs.update({"safe_mode": load.get("safeMode", True), "compile": load.get("compile", True)})
    kwargs.update(overrides)
    with context:
        return keras.models.load_model(path, **kwargs)


def build_fresh_model(case: dict):
    """The case's model again, seeded differently so a weights-only restore has something to prove."""
    from .model_building import build_model
    from .tensorflow_setup import reset_for_case

    loading_options("registered", case)  # a fresh model needs the builder's classes importable
    reset_for_case(case["seed"] + 1)
    return build_model(case)
