"""Fast checks (no TensorFlow): .npy storage of bfloat16 and strings, output comparison, signature maps, hashing."""

from __future__ import annotations

import hashlib
import re
import tempfile
import unittest
from pathlib import Path

import ml_dtypes
import numpy as np
from roundtrip_generator.arrays import (
    ReferenceArrayMismatch,
    read_array,
    read_reference_arrays,
    refused_checks,
    write_array,
)
from roundtrip_generator.comparison import compare_outputs
from roundtrip_generator.signature_maps import map_inputs, map_outputs
from roundtrip_generator.weight_truth import hash_strings


class ArrayStorage(unittest.TestCase):
    def test_bfloat16_is_stored_as_uint16_and_read_back(self):
        array = np.array([[1.5, -2.0]], dtype=ml_dtypes.bfloat16)
        with tempfile.TemporaryDirectory() as folder:
            entry = write_array(Path(folder) / "x.npy", array, "inputs/x.npy")
            self.assertEqual(entry, {"file": "inputs/x.npy", "dtype": "bfloat16", "shape": [1, 2], "storage": "uint16"})
            self.assertEqual(np.load(Path(folder) / "x.npy").dtype, np.uint16)
            np.testing.assert_array_equal(read_array(Path(folder) / "x.npy", entry), array)

    def test_strings_are_stored_as_fixed_width_bytes(self):
        array = np.array([b"ab", b"cde"])
        with tempfile.TemporaryDirectory() as folder:
            entry = write_array(Path(folder) / "s.npy", array, "inputs/s.npy")
            self.assertEqual((entry["dtype"], entry["storage"]), ("string", "S3"))

    def test_a_file_that_is_not_what_its_entry_declares_is_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            entry = write_array(Path(folder) / "y.npy", np.zeros((2, 3), np.float32), "outputs/y.npy")
            for declared, message in (
                ({"dtype": "float64"}, "dtype float32, the manifest says float64"),
                ({"shape": [3, 2]}, "shape [2, 3], the manifest says [3, 2]"),
            ):
                with self.assertRaisesRegex(ReferenceArrayMismatch, re.escape(message)):
                    read_array(Path(folder) / "y.npy", {**entry, **declared})

    def test_a_case_with_one_misdescribed_reference_gets_one_error_check_per_format(self):
        with tempfile.TemporaryDirectory() as folder:
            x = write_array(Path(folder) / "inputs/x.npy", np.ones((1, 2), np.float32), "inputs/x.npy")
            y = write_array(Path(folder) / "outputs/y.npy", np.ones((1, 3), np.float32), "outputs/y.npy")
            inputs, outputs = read_reference_arrays(
                Path(folder), {"inputs": [{"name": "x", **x}], "outputs": [{"name": "y", **y}]}
            )
            self.assertEqual((list(inputs), list(outputs)), (["x"], ["y"]))
            refused = read_reference_arrays(
                Path(folder), {"inputs": [{"name": "x", **x}], "outputs": [{"name": "y", **y, "shape": [3]}]}
            )
            self.assertIsInstance(refused, ReferenceArrayMismatch)
            checks = refused_checks(refused, ["keras", "h5"], {"check": "crossload", "writerEnvironment": "w"})
            self.assertEqual(
                [(check["format"], check["status"], check["check"]) for check in checks],
                [("keras", "error", "crossload"), ("h5", "error", "crossload")],
            )
            self.assertIn("outputs/y.npy: shape [1, 3], the manifest says [3]", checks[0]["message"])
            self.assertEqual(checks[0]["errorType"], "ReferenceArrayMismatch")


class OutputComparison(unittest.TestCase):
    TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}

    def test_equal_values_in_another_dtype_fail(self):
        # assert_allclose alone would pass these: it compares values, never dtypes.
        reference = np.array([0.5, -1.25], np.float64)
        result = compare_outputs({"y": reference}, {"y": reference.astype(np.float32)}, self.TOLERANCE)
        self.assertEqual(result["status"], "fail")
        self.assertIn("y: dtype float32, expected float64", result["message"])

    def test_the_same_dtype_within_tolerance_passes(self):
        reference = np.array([0.5, -1.25], np.float32)
        result = compare_outputs({"y": reference}, {"y": reference + np.float32(1e-7)}, self.TOLERANCE)
        self.assertEqual(result["status"], "pass")

    def test_every_string_kind_is_one_dtype(self):
        result = compare_outputs({"s": np.array([b"ab"])}, {"s": np.array([b"ab"], dtype=object)}, self.TOLERANCE)
        self.assertEqual(result["status"], "pass")


class SignatureMaps(unittest.TestCase):
    def test_inputs_map_by_name_then_position(self):
        self.assertEqual(map_inputs(["b", "a"], ["a", "b"]), {"b": "b", "a": "a"})
        self.assertEqual(map_inputs(["args_0"], ["features"]), {"args_0": "features"})

    def test_outputs_map_by_index(self):
        keys = [f"output_{index}" for index in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9)]
        names = [f"y{index}" for index in range(11)]
        self.assertEqual(map_outputs(keys, names)["output_10"], "y10")


class StringHash(unittest.TestCase):
    def test_length_prefixed_concatenation(self):
        expected = hashlib.sha256(b"\x02\x00\x00\x00ab" + b"\x01\x00\x00\x00c").hexdigest()
        self.assertEqual(hash_strings(np.array(["ab", "c"], dtype=object)), expected)


if __name__ == "__main__":
    unittest.main()
