"""One module per artifact format, all with the same interface, registered by format name.

Each module provides:
    ARTIFACT_PATH                         where the artifact goes, relative to the case folder
    producer(versions) -> str             what wrote it
    save(model, path) -> None             write the artifact
    describe(path, case, reference_names) -> dict   extra manifest fields (signatures, maps)
    truth(path) -> dict | None            what the readers must reproduce (truth/<format>.json)
    run(path, artifact, case, inputs, reference_names) -> {reference name: array}   reload here
"""

from __future__ import annotations

from . import keras_archive, legacy_h5, onnx_model, saved_model

FORMATS = {
    "keras": keras_archive,
    "h5": legacy_h5,
    "savedmodel": saved_model,
    "onnx": onnx_model,
}
