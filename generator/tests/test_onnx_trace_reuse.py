"""The ONNX export takes the SavedModel export's traced function instead of tracing the same call again, and gives the
model's own outputs; without a SavedModel export of the model it traces as Keras does.

Needs the default environment's TensorFlow, Keras (3.8 or later: ONNX export) and onnxruntime.
"""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

import numpy as np
from roundtrip_generator.tensorflow_setup import import_tensorflow


class OnnxTraceReuse(unittest.TestCase):
    def setUp(self) -> None:
        _, self.keras = import_tensorflow()
        from keras.src.export import onnx as keras_onnx

        self.keras_onnx = keras_onnx
        self.traced_by_keras = 0
        self.keras_get_concrete_fn = keras_onnx.get_concrete_fn

        def counting(*arguments, **keywords):
            self.traced_by_keras += 1
            return self.keras_get_concrete_fn(*arguments, **keywords)

        keras_onnx.get_concrete_fn = counting
        self.folder = tempfile.TemporaryDirectory(prefix="onnx-trace-reuse-")
        self.addCleanup(self.folder.cleanup)
        self.keras.utils.set_random_seed(3)
        inputs = self.keras.Input((5,), name="x")
        hidden = self.keras.layers.Dense(4, activation="tanh")(inputs)
        self.model = self.keras.Model(inputs, self.keras.layers.Dense(2)(hidden))
        self.inputs = np.random.default_rng(3).uniform(-1, 1, (3, 5)).astype("float32")
        self.expected = np.asarray(self.model(self.inputs))

    def tearDown(self) -> None:
        self.keras_onnx.get_concrete_fn = self.keras_get_concrete_fn
        from roundtrip_generator.formats import saved_model

        saved_model.release()

    def outputs(self, path: Path) -> np.ndarray:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(None, {session.get_inputs()[0].name: self.inputs})[0]

    def test_the_onnx_export_takes_the_saved_model_exports_trace(self) -> None:
        from roundtrip_generator.formats import onnx_model, saved_model

        saved_model.save(self.model, Path(self.folder.name) / "savedmodel")
        onnx_model.save(self.model, Path(self.folder.name) / "model.onnx")
        self.assertEqual(self.traced_by_keras, 0, "Keras's get_concrete_fn traced the model again")
        np.testing.assert_allclose(self.outputs(Path(self.folder.name) / "model.onnx"), self.expected, atol=1e-6)

    def test_without_a_saved_model_export_the_onnx_export_traces_itself(self) -> None:
        from roundtrip_generator.formats import onnx_model, saved_model

        saved_model.save(self.model, Path(self.folder.name) / "savedmodel")
        saved_model.release()  # what the end of a case does
        onnx_model.save(self.model, Path(self.folder.name) / "model.onnx")
        self.assertEqual(self.traced_by_keras, 1)
        np.testing.assert_allclose(self.outputs(Path(self.folder.name) / "model.onnx"), self.expected, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
