"""Maps an exported graph's input/output keys onto case input names and reference output names."""

from __future__ import annotations

import re

_POSITIONAL_OUTPUT = re.compile(r"^output_(\d+)$")


def map_inputs(keys: list[str], case_names: list[str]) -> dict[str, str]:
    """By name where a key equals a case input name; the remaining keys take the remaining names in order."""
    mapping = {key: key for key in keys if key in case_names}
    remaining = [name for name in case_names if name not in mapping.values()]
    for key in keys:
        if key not in mapping and remaining:
            mapping[key] = remaining.pop(0)
    return {key: mapping[key] for key in keys if key in mapping}


def ordered_output_keys(keys) -> list[str]:
    """``output_<i>`` keys by index (``output_10`` after ``output_9``); other keys as listed."""
    keys = list(keys)
    if keys and all(_POSITIONAL_OUTPUT.match(key) for key in keys):
        return sorted(keys, key=lambda key: int(_POSITIONAL_OUTPUT.match(key).group(1)))
    return keys


def map_outputs(keys: list[str], reference_names: list[str]) -> dict[str, str]:
    """By name when the keys are the reference names (Keras 2 SavedModels key outputs by layer name), else by
    position: the i-th key of ``ordered_output_keys`` → the i-th reference output."""
    if sorted(keys) == sorted(reference_names):
        return {name: name for name in reference_names}
    return {key: name for key, name in zip(ordered_output_keys(keys), reference_names, strict=False)}
