"""Reference inputs from the case seed: floats uniform in [low, high), integers in [low, high)."""

from __future__ import annotations

import numpy as np

_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def generate_inputs(case: dict) -> dict[str, np.ndarray]:
    """One array per case input, in case order, from one generator seeded with the case seed."""
    rng = np.random.default_rng(case["seed"])
    return {spec["name"]: _generate(rng, spec) for spec in case["inputs"]}


def _generate(rng: np.random.Generator, spec: dict) -> np.ndarray:
    shape = tuple(spec["shape"])
    dtype = spec["dtype"]
    low, high = spec["range"]
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype == "string":
        lengths = rng.integers(1, 9, size=int(np.prod(shape)))
        words = ["".join(rng.choice(_LETTERS, size=length)) for length in lengths]
        return np.array([word.encode("ascii") for word in words], dtype=bytes).reshape(shape)
    if dtype == "bfloat16":
        import ml_dtypes

        return rng.uniform(low, high, size=shape).astype(ml_dtypes.bfloat16)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(int(np.ceil(low)), int(np.ceil(high)), size=shape, dtype=dtype)
    return rng.uniform(low, high, size=shape).astype(dtype)
