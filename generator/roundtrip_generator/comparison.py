"""Reload outputs against reference outputs: equal dtypes, then numpy ``assert_allclose`` at the case's tolerance.

``assert_allclose`` ignores dtypes (it compares values), so the dtype is checked first: a reloaded output must have
the reference's dtype exactly, by the case vocabulary's name (every string kind is ``string``). Python reloads the
artifact with the Keras and TensorFlow that wrote the reference, so no difference is legitimate here; the runtimes
that cannot hold a dtype declare it in the harness's dtype table (``harness/compare/dtype-table.ts``).
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import dtype_name


def compare_outputs(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray], tolerance: dict) -> dict:
    """Returns ``{status: pass|fail, message, maxAbsDiff}``; maxAbsDiff is over every numeric output, null if none."""
    problems: list[str] = []
    differences: list[float] = []
    for name, reference in expected.items():
        if name not in actual:
            problems.append(f"{name}: missing from the reloaded outputs {sorted(actual)}")
            continue
        received = np.asarray(actual[name])
        if received.shape != reference.shape:
            problems.append(f"{name}: shape {list(received.shape)}, expected {list(reference.shape)}")
            continue
        problem = dtype_problem(name, reference, received)
        if problem:
            problems.append(problem)
            continue
        if reference.dtype.kind in "SUOb":
            if not np.array_equal(received, reference):
                problems.append(f"{name}: values differ (exact comparison for {reference.dtype})")
            continue
        difference = _max_abs_difference(reference, received)
        if difference is not None:
            differences.append(difference)
        try:
            np.testing.assert_allclose(
                received.astype(np.float64),
                reference.astype(np.float64),
                rtol=tolerance.get("rtol", 1e-6),
                atol=tolerance.get("atol", 1e-6),
                equal_nan=tolerance.get("equalNan", True),
            )
        except AssertionError as error:
            problems.append(f"{name}: {' '.join(str(error).split())}")
    return {
        "status": "fail" if problems else "pass",
        "message": "; ".join(problems) if problems else "outputs match within rtol/atol",
        "maxAbsDiff": max(differences) if differences else None,
    }


def dtype_problem(name: str, reference: np.ndarray, received: np.ndarray) -> str | None:
    """A message when ``received`` does not have the reference's dtype, else None."""
    wanted, got = dtype_name(reference), dtype_name(received)
    if wanted == got:
        return None
    return f"{name}: dtype {got}, expected {wanted} (the reference's dtype; dtypes must match exactly)"


def _max_abs_difference(reference: np.ndarray, received: np.ndarray) -> float | None:
    if reference.size == 0:
        return 0.0
    difference = np.abs(reference.astype(np.float64) - received.astype(np.float64))
    finite = difference[np.isfinite(difference)]
    value = float(finite.max()) if finite.size else None
    return value if value is None or math.isfinite(value) else None
