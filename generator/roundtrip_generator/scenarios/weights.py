"""Keras saving-test scenarios: skip_mismatch, unbuilt models, compile=False, adapted string vocabularies."""

from __future__ import annotations

import numpy as np

from ..keras_loading import build_fresh_model, load_keras_model
from ..model_building import build_model
from ..tensorflow_setup import import_tensorflow, reset_for_case
from . import check, error_check


def skip_mismatch(context) -> list[dict]:
    """Weights of a model whose last layer has more units: loading skips it with skip_mismatch, refuses without."""
    _, keras = import_tensorflow()
    path = context.artifact("weights-h5")
    variant = dict(context.case)
    body = dict(variant["model"]["sequential"])
    last = dict(body["layers"][-1])
    last["config"] = {**last["config"], "units": last["config"]["units"] + 1}
    body["layers"] = [*body["layers"][:-1], last]
    variant["model"] = {"sequential": body}
    reset_for_case(context.case["seed"] + 2)
    other = build_model(variant)
    before = [w.numpy().copy() for w in other.layers[-1].weights]
    checks = []
    try:
        other.load_weights(str(path))
        checks.append(
            check(
                "weights-h5", "mismatch-refused", False, "load_weights without skip_mismatch accepted a shape mismatch"
            )
        )
    except ValueError as error:
        checks.append(
            check("weights-h5", "mismatch-refused", True, f"raised ValueError: {' '.join(str(error).split())[:300]}")
        )
    reset_for_case(context.case["seed"] + 2)
    other = build_model(variant)
    other.load_weights(str(path), skip_mismatch=True)
    reference = build_fresh_model(context.case)
    reference.load_weights(str(path))
    same = all(
        np.array_equal(a.numpy(), b.numpy())
        for layer_a, layer_b in zip(other.layers[:-1], reference.layers[:-1], strict=True)
        for a, b in zip(layer_a.weights, layer_b.weights, strict=True)
    )
    untouched = all(np.array_equal(a, b.numpy()) for a, b in zip(before, other.layers[-1].weights, strict=True))
    checks.append(
        check(
            "weights-h5",
            "skip-mismatch",
            same and untouched,
            f"matching layers restored: {same}; mismatched last layer left as initialised: {untouched}",
        )
    )
    return checks


def unbuilt_model(context) -> list[dict]:
    _, keras = import_tensorflow()
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)], name="never_called")
    path = context.work_dir / "unbuilt.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    return [
        check(
            "keras",
            "unbuilt-stays-unbuilt",
            not loaded.built and not loaded.weights,
            f"reloaded built={loaded.built} with {len(loaded.weights)} weights (saved built={model.built})",
        )
    ]


def compile_false(context) -> list[dict]:
    checks = []
    for format_name in ("keras", "h5"):
        path = context.artifact(format_name)
        try:
            plain = load_keras_model(path, context.case, compile=False)
            compiled = load_keras_model(path, context.case, compile=True)
        except Exception as error:
            checks.append(error_check(format_name, "compile-false", error))
            continue
        checks.append(
            check(
                format_name,
                "compile-false",
                not plain.compiled and compiled.compiled,
                f"compile=False → compiled={plain.compiled}; compile=True → compiled={compiled.compiled}, "
                f"loss={getattr(compiled, 'loss', None)!r}",
            )
        )
    return checks


def string_vocabulary(context) -> list[dict]:
    """The adapted vocabulary of the lookup layer survives each whole-model format."""

    layer_name = context.args.get("layer", "lookup")
    reset_for_case(context.case["seed"])
    wanted = _plain_words(build_model(context.case).get_layer(layer_name).get_vocabulary())
    checks = []
    for format_name in context.args.get("formats", ["keras", "h5"]):
        try:
            vocabulary = _plain_words(
                load_keras_model(context.artifact(format_name), context.case).get_layer(layer_name).get_vocabulary()
            )
        except Exception as error:
            checks.append(error_check(format_name, "vocabulary", error))
            continue
        checks.append(
            check(
                format_name,
                "vocabulary",
                vocabulary == wanted,
                f"reloaded vocabulary {vocabulary[:12]} ({len(vocabulary)} entries), "
                f"adapted {wanted[:12]} ({len(wanted)} entries)",
            )
        )
    return checks


def _plain_words(words) -> list[str]:
    """get_vocabulary gives np.str_ (or bytes); messages should show 'cat', not np.str_('cat')."""
    return [word.decode() if isinstance(word, bytes) else str(word) for word in words]
