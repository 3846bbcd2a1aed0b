"""How a reload gets the custom classes of a case: the four ``load.customObjects`` modes."""

from __future__ import annotations

import contextlib

from .tensorflow_setup import import_tensorflow


def custom_classes_of(case: dict) -> tuple:
    """The ``CustomClass`` declarations of the case's builder; none for sequential/functional cases."""
    builder = case["model"].get("builder")
    if builder is None:
        return ()
    from .models import BUILDERS

    return BUILDERS[builder["name"]].custom_classes


def loading_options(mode: str, case: dict) -> tuple[dict, contextlib.AbstractContextManager]:
    """Returns ``(load_model keyword arguments, context to load inside)`` for ``mode``.

    registered: import the class modules (registration happens on import), pass nothing.
    argument:   ``custom_objects={registered name: class}``.
    scope:      the same mapping through ``keras.saving.custom_object_scope``.
    absent:     import nothing, pass nothing.
    """
    if mode == "absent":
        return {}, contextlib.nullcontext()
    _, keras = import_tensorflow()
    classes = [custom_class.load() for custom_class in custom_classes_of(case)]
    mapping = {keras.saving.get_registered_name(cls): cls for cls in classes}
    if mode == "registered":
        return {}, contextlib.nullcontext()
    if mode == "argument":
        return {"custom_objects": mapping}, contextlib.nullcontext()
    if mode == "scope":
        return {}, keras.saving.custom_object_scope(mapping)
    raise ValueError(f"load.customObjects must be one of registered | argument | scope | absent, received {mode!r}")
