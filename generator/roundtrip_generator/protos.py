"""Export the TensorFlow protobuf schemas the TypeScript readers parse, from the pinned TF's own ``*_pb2`` modules.

``python -m roundtrip_generator protos --out harness/formats/descriptors/tensorflow.desc`` writes a serialized
``google.protobuf.FileDescriptorSet`` holding the SavedModel, MetaGraph, object-graph, tensor-bundle and
fingerprint schemas plus every file they import, dependencies first. No ``.proto`` file is copied by hand.
"""

from __future__ import annotations

import importlib
from pathlib import Path

# The schemas the readers decode; their imports are followed transitively.
ROOT_MODULES = (
    "tensorflow.core.protobuf.saved_model_pb2",
    "tensorflow.core.protobuf.meta_graph_pb2",
    "tensorflow.core.protobuf.saved_object_graph_pb2",
    "tensorflow.core.protobuf.trackable_object_graph_pb2",
    "tensorflow.core.protobuf.tensor_bundle_pb2",
    "tensorflow.core.protobuf.fingerprint_pb2",
)
# Keras 2's keras_metadata.pb schema, when the environment has tf_keras.
OPTIONAL_MODULES = ("tf_keras.protobuf.saved_metadata_pb2",)


def descriptor_set_bytes(roots) -> bytes:
    """A deterministic FileDescriptorSet of ``roots`` (file descriptors) and everything they import, dependencies
    first."""
    from google.protobuf import descriptor_pb2

    ordered: list = []
    seen: set[str] = set()

    def visit(file_descriptor) -> None:
        if file_descriptor.name in seen:
            return
        seen.add(file_descriptor.name)
        for dependency in file_descriptor.dependencies:
            visit(dependency)
        ordered.append(file_descriptor)

    for root in roots:
        visit(root)
    descriptor_set = descriptor_pb2.FileDescriptorSet()
    for file_descriptor in ordered:
        file_descriptor.CopyToProto(descriptor_set.file.add())
    return descriptor_set.SerializeToString(deterministic=True)


def build_descriptor_set() -> bytes:
    from .tensorflow_setup import import_tensorflow

    import_tensorflow()
    roots = [importlib.import_module(name).DESCRIPTOR for name in ROOT_MODULES]
    for name in OPTIONAL_MODULES:
        try:
            roots.append(importlib.import_module(name).DESCRIPTOR)
        except ImportError:
            pass
    return descriptor_set_bytes(roots)


def export_descriptor_set(out: Path) -> int:
    data = build_descriptor_set()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return len(data)
