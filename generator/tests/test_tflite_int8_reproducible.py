"""The full-int8 TFLite file of a case does not depend on the run: the converter's quantizer gives the same calibrated
model different results from one call to the next (an unrolled LSTM's first step is now and then left in float32), and
the generator keeps the most quantized one.

Needs the default environment's TensorFlow and Keras. The case is ``lstm-tflite``, where the quantizer's results vary.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import unittest
from pathlib import Path

from roundtrip_generator.case_spec import validate_case
from roundtrip_generator.formats import tflite
from roundtrip_generator.forward_pass import run_keras_model
from roundtrip_generator.input_generation import generate_inputs
from roundtrip_generator.model_building import build_model
from roundtrip_generator.tensorflow_setup import reset_for_case

CASE = Path(__file__).resolve().parent / "cases" / "lstm-tflite.json"
# Conversions of one model: the quantizer's result varied in about one of five such calls (measured with TF 2.21),
# so twenty same files from the plain quantizer happen about once in a hundred runs.
CONVERSIONS = 20


class TfliteInt8Reproducible(unittest.TestCase):
    def setUp(self) -> None:
        self.case = validate_case(json.loads(CASE.read_text()))
        self.folder = tempfile.TemporaryDirectory(prefix="tflite-int8-reproducible-")
        self.addCleanup(self.folder.cleanup)
        self.addCleanup(tflite.release)

    def test_the_same_file_whatever_ran_before(self):
        int8 = tflite.FORMATS["tflite-int8"]
        path = Path(self.folder.name) / "model.int8.tflite"
        reset_for_case(self.case["seed"])
        model = build_model(self.case)
        run_keras_model(model, generate_inputs(self.case))
        digests = set()
        for conversion in range(CONVERSIONS):
            # Other allocations in between, as other cases before it in the same worker make.
            ballast = [bytearray(97 * (conversion + 1) * size) for size in range(1, 40)]
            int8.save_for_case(model, path, self.case)
            del ballast
            digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
        self.assertEqual(len(digests), 1, f"{CONVERSIONS} conversions of {self.case['id']} gave {len(digests)} files")

    def test_the_least_float_result_is_kept(self):
        """A quantizer whose results alternate: the result without inner float32 tensors wins, wherever it comes."""
        int8 = tflite.FORMATS["tflite-int8"]
        path = Path(self.folder.name) / "model.int8.tflite"
        reset_for_case(self.case["seed"])
        model = build_model(self.case)
        run_keras_model(model, generate_inputs(self.case))
        int8.save_for_case(model, path, self.case)
        quantized = path.read_bytes()
        float_model = Path(self.folder.name) / "model.tflite"
        tflite.FORMATS["tflite"].save_for_case(model, float_model, self.case)
        less_quantized = float_model.read_bytes()  # every tensor float32: the least quantized result there is
        self.assertEqual(tflite._inner_float_tensors(quantized), 0)
        self.assertGreater(tflite._inner_float_tensors(less_quantized), 0)
        for order in ([less_quantized, quantized], [quantized, less_quantized]):
            results = iter(order * tflite.QUANTIZE_ATTEMPTS)
            self.assertEqual(tflite.canonical_quantization(lambda results=results: next(results)), quantized)
        only_float = iter([less_quantized] * tflite.QUANTIZE_ATTEMPTS)
        self.assertEqual(tflite.canonical_quantization(lambda: next(only_float)), less_quantized)


if __name__ == "__main__":
    unittest.main()
