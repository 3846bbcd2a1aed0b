"""Reference arrays on disk: ``.npy`` files, with bfloat16 and strings in a storage dtype .npy can hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# True dtype → (storage dtype name, numpy view for saving).
_STORED_AS = {"bfloat16": "uint16"}


def dtype_name(array: np.ndarray) -> str:
    """The case vocabulary's name for an array's dtype."""
    if array.dtype.kind in "SUO":
        return "string"
    return array.dtype.name


def write_array(path: Path, array: np.ndarray, file: str) -> dict:
    """Saves ``array`` and returns its manifest entry ``{file, dtype, shape[, storage]}``."""
    true_dtype = dtype_name(array)
    entry = {"file": file, "dtype": true_dtype, "shape": list(array.shape)}
    if true_dtype in _STORED_AS:
        stored = array.view(_STORED_AS[true_dtype])
        entry["storage"] = _STORED_AS[true_dtype]
    elif true_dtype == "string":
        stored = np.array([_to_bytes(item) for item in array.reshape(-1)], dtype=bytes).reshape(array.shape)
        entry["storage"] = stored.dtype.str.lstrip("|<>")
    else:
        stored = array
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(stored), allow_pickle=False)
    return entry


def read_array(path: Path, entry: dict) -> np.ndarray:
    """Inverse of ``write_array``: bfloat16 comes back as ml_dtypes.bfloat16, strings as bytes.

    The file must hold what the manifest entry declares (dtype, storage, shape): a reference whose bytes and
    declaration disagree is refused, never compared in either's terms.
    """
    stored = np.load(path, allow_pickle=False)
    if entry.get("dtype") == "bfloat16":
        import ml_dtypes

        array = stored.view(ml_dtypes.bfloat16) if stored.dtype == np.uint16 else stored
    else:
        array = stored
    problems = []
    if "storage" in entry and stored.dtype.str.lstrip("|<>=") != np.dtype(entry["storage"]).str.lstrip("|<>="):
        problems.append(f"stored as {stored.dtype.str.lstrip('|<>=')}, the manifest says storage {entry['storage']}")
    if "dtype" in entry and dtype_name(array) != entry["dtype"]:
        problems.append(f"dtype {dtype_name(array)}, the manifest says {entry['dtype']}")
    if "shape" in entry and list(array.shape) != list(entry["shape"]):
        problems.append(f"shape {list(array.shape)}, the manifest says {list(entry['shape'])}")
    if problems:
        raise ReferenceArrayMismatch(f"{entry.get('file', path.name)}: {'; '.join(problems)}")
    return array


class ReferenceArrayMismatch(ValueError):
    """A reference array whose file and manifest entry disagree."""


def read_reference_arrays(case_dir: Path, manifest: dict) -> tuple[dict, dict] | ReferenceArrayMismatch:
    """The case's inputs and reference outputs by name, or the mismatch that refuses them: no check may compare with a
    reference its manifest misdescribes, so callers answer one error check per artifact instead (``refused_checks``)."""
    try:
        inputs = {entry["name"]: read_array(case_dir / entry["file"], entry) for entry in manifest["inputs"]}
        outputs = {entry["name"]: read_array(case_dir / entry["file"], entry) for entry in manifest["outputs"]}
    except ReferenceArrayMismatch as error:
        return error
    return inputs, outputs


def refused_checks(error: ReferenceArrayMismatch, formats: list[str], fields: dict) -> list[dict]:
    """One ``error`` check per format (with the caller's ``fields``) for references ``read_reference_arrays``
    refused."""
    return [
        {
            "format": format_name,
            **fields,
            "status": "error",
            "errorType": type(error).__name__,
            "message": f"{type(error).__name__}: {error}",
            "maxAbsDiff": None,
        }
        for format_name in formats
    ]


def _to_bytes(item) -> bytes:
    return item if isinstance(item, bytes) else str(item).encode("utf-8")
