"""What Python holds in an HDF5 weights file, so the TypeScript readers can prove they read it exactly.

``describe_hdf5(file)`` maps every dataset's HDF5 path (``/layers/dense/vars/0`` in a ``.keras``
archive's ``model.weights.h5``, ``/model_weights/dense/dense/kernel`` in a legacy ``.h5``) to::

    {"dtype": <numpy dtype name>, "shape": [...], "sha256": <hex>}

The hash covers the dataset's values as C-contiguous (row-major), little-endian bytes: numeric
datasets are converted to their little-endian dtype before hashing, whatever byte order the file uses.
String datasets (HDF5 variable- or fixed-length strings) have ``"dtype": "string"`` and hash the
concatenation, in row-major order, of ``uint32`` little-endian byte length + UTF-8 bytes per element;
fixed-length strings lose their trailing NUL padding first, as numpy does when reading them.
"""

from __future__ import annotations

import hashlib
import io

import h5py
import numpy as np


def describe_hdf5(source) -> dict[str, dict]:
    """``source`` is a path or a binary stream; returns ``{hdf5 path: {dtype, shape, sha256}}`` sorted by path."""
    datasets: dict[str, dict] = {}
    with h5py.File(source, "r") as file:

        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                datasets["/" + name] = describe_dataset(item)

        file.visititems(visit)
    return dict(sorted(datasets.items()))


def describe_hdf5_bytes(data: bytes) -> dict[str, dict]:
    return describe_hdf5(io.BytesIO(data))


def describe_array(values, dtype: str | None = None) -> dict:
    """The one description of an array every truth file uses: ``{dtype, shape, sha256}``.

    Numeric arrays hash their C-contiguous little-endian bytes; strings (numpy ``S``, ``U`` or object arrays of
    ``bytes``/``str``) have dtype ``"string"`` and hash :func:`hash_strings`. A scalar keeps shape ``[]``.
    ``dtype`` overrides the numpy name (a TF dtype name, or bfloat16 stored as opaque HDF5 data).
    """
    array = np.asarray(values)
    if array.dtype.kind in "SUO":
        return {"dtype": "string", "shape": list(array.shape), "sha256": hash_strings(np.asarray(array, dtype=object))}
    little_endian = np.ascontiguousarray(array.astype(array.dtype.newbyteorder("<"), copy=False))
    return {
        "dtype": dtype or array.dtype.name,
        "shape": list(array.shape),
        "sha256": hashlib.sha256(little_endian.tobytes()).hexdigest(),
    }


def describe_dataset(dataset: h5py.Dataset) -> dict:
    if h5py.check_string_dtype(dataset.dtype) is not None or dataset.dtype.kind in "SUO":
        values = dataset.asstr()[()] if dataset.dtype.kind == "O" else dataset[()]
        return describe_array(np.asarray(values, dtype=object).reshape(dataset.shape))
    values = dataset[()]
    # HDF5 has no bfloat16: Keras 3 writes it as 2-byte opaque data tagged attrs["dtype"] = "bfloat16".
    opaque_bfloat16 = values.dtype.kind == "V" and values.dtype.itemsize == 2
    return describe_array(values, "bfloat16" if opaque_bfloat16 and dataset.attrs.get("dtype") == "bfloat16" else None)


def hash_strings(values: np.ndarray) -> str:
    digest = hashlib.sha256()
    for item in values.reshape(-1):
        encoded = item if isinstance(item, bytes) else str(item).encode("utf-8")
        digest.update(len(encoded).to_bytes(4, "little"))
        digest.update(encoded)
    return digest.hexdigest()


def decode_json_attribute(value):
    """HDF5 attributes come back as ``bytes`` or ``str``; JSON text either way."""
    import json

    return json.loads(value.decode("utf-8") if isinstance(value, bytes) else value)
