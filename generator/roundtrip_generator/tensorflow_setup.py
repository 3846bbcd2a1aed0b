"""Import TensorFlow and Keras once per process, quietly and deterministically."""

from __future__ import annotations

import gc
import os
import sys

_determinism_enabled = False


def import_tensorflow():
    """Returns ``(tf, keras)`` after pinning the environment variables that must precede the import."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # oneDNN's fused kernels change round-off with the host CPU; references should not.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf

    from .keras_compat import disable_interactive_logging, import_keras

    keras = import_keras()  # Keras 3, tf_keras (TF_USE_LEGACY_KERAS=1) or Keras 2.x
    tf.get_logger().setLevel("ERROR")
    disable_interactive_logging(keras)
    return tf, keras


# What the format modules import on first use, where installed: the reload checks' runtimes (a reload child forked
# from the server imported each again for every case folder, ~0.06 CPU s) and the writers' converters.
FORMAT_LIBRARIES = ("onnxruntime", "ai_edge_litert.interpreter", "onnx", "tf2onnx")


def import_format_libraries() -> None:
    """Imports ``FORMAT_LIBRARIES`` that this environment has, once per process, before ``freeze_imported_objects``
    (so their objects are frozen too) and before a reload server forks its children."""
    import importlib

    for name in FORMAT_LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError:  # not in this environment: the format that needs it says so when used
            continue


def freeze_imported_objects() -> None:
    """Takes what is alive now (TensorFlow's and Keras's modules, about 270,000 objects) out of the garbage collector's
    walks: every collection, the explicit ones in ``clear_session`` and the TFLite converter and the automatic ones
    while tracing, otherwise visits them all again, seconds per case. Call once the imports are done, before any
    case."""
    gc.collect()
    gc.freeze()


def reset_for_case(seed: int) -> None:
    """Fresh Keras state per case, so layer names and weight paths do not depend on case order."""
    global _determinism_enabled
    tf, keras = import_tensorflow()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    if not _determinism_enabled:
        tf.config.experimental.enable_op_determinism()
        _determinism_enabled = True


def redirect_stdout_to_stderr():
    """Points fd 1 at stderr so library prints cannot corrupt a JSON answer; returns a writer on the old stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    return os.fdopen(saved, "w", encoding="utf-8")
