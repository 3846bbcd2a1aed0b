"""Versions of the Python stack, read from package metadata (no TensorFlow import needed)."""

from __future__ import annotations

import platform
from importlib import metadata

# Manifest key → distributions that may provide it, first found wins.
_DISTRIBUTIONS = {
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow_cpu", "tensorflow-intel", "tf-nightly"),
    "keras": ("keras",),
    "tf_keras": ("tf_keras", "tf-keras"),
    "numpy": ("numpy",),
    "h5py": ("h5py",),
    "onnx": ("onnx",),
    "onnxruntime": ("onnxruntime",),
    "tf2onnx": ("tf2onnx",),
    "tensorflowjs": ("tensorflowjs",),
}


def _installed_version(distributions: tuple[str, ...]) -> str | None:
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def collect_versions() -> dict[str, str | None]:
    """``{"python": …, "tensorflow": …, …}``; an absent package is ``None``."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for key, distributions in _DISTRIBUTIONS.items():
        versions[key] = _installed_version(distributions)
    from .keras_compat import keras_module_name

    versions["kerasModule"] = keras_module_name()  # which of keras / tf_keras the generator imported
    return versions
