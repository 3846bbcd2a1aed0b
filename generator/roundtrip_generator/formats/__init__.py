"""One module per artifact format, all with the same interface, registered by format name.

Each module provides:
    ARTIFACT_PATH                         where the artifact goes, relative to the case folder
    producer(versions) -> str             what wrote it
    save(model, path) -> None             write the artifact
    save_for_case(model, path, case)      optional: used instead of ``save`` where the case's inputs matter
    describe(path, case, reference_names) -> dict   extra manifest fields (signatures, maps)
    truth(path) -> dict | None            what the readers must reproduce (truth/<format>.json)
    run(path, artifact, case, inputs, reference_names) -> {reference name: array}   reload here
        (or ``(outputs, note)`` where the reload has something to say beyond the numbers)
    release() -> None                     optional: drop what the module kept while writing the case (called once
                                          every artifact of the case is written or has failed)
"""

from __future__ import annotations

from . import (
    keras_archive,
    keras_npz,
    legacy_h5,
    onnx_model,
    saved_model,
    tf_checkpoint,
    tfjs_model,
    tflite,
    weights_h5,
    weights_sharded,
)

FORMATS = {
    "keras": keras_archive,
    "keras-npz": keras_npz,
    "h5": legacy_h5,
    "weights-h5": weights_h5,
    "weights-sharded": weights_sharded,
    "savedmodel": saved_model,
    "checkpoint": tf_checkpoint,
    "onnx": onnx_model,
    **tflite.FORMATS,
    "tfjs": tfjs_model,
}
