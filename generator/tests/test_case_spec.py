"""Fast checks (no TensorFlow): case validation from the schema, the generated vocabulary, the array description."""

from __future__ import annotations

import copy
import json
import unittest
from pathlib import Path

import numpy as np
from roundtrip_generator.case_schema import CASE_SCHEMA, FORMATS, RUNTIMES
from roundtrip_generator.case_spec import validate_case
from roundtrip_generator.errors import CaseValidationError, FormatUnavailable, GeneratorError
from roundtrip_generator.json_schema import schema_issues
from roundtrip_generator.weight_truth import describe_array

CASES = Path(__file__).parent / "cases"


def load(name: str) -> dict:
    return json.loads((CASES / f"{name}.json").read_text())


class CaseValidation(unittest.TestCase):
    def test_every_test_case_is_valid_and_gets_its_defaults(self):
        for file in sorted(CASES.glob("*.json")):
            case = validate_case(json.loads(file.read_text()))
            self.assertIn(case["load"]["customObjects"], ("registered", "argument", "scope", "absent"), file.name)
            self.assertEqual(set(case["tolerance"]["default"]) >= {"rtol", "atol"}, True, file.name)

    def test_every_mistake_of_a_case_is_reported_at_once(self):
        case = load("dense-mlp")
        case["formats"] = ["keras", "not-a-format"]
        case["seed"] = -1
        case["surprise"] = True
        with self.assertRaises(CaseValidationError) as raised:
            validate_case(case)
        paths = sorted(issue["path"] for issue in raised.exception.issues)
        self.assertEqual(paths, ["formats[1]", "seed", "surprise"])
        self.assertIn("not-a-format", str(raised.exception))

    def test_references_the_schema_cannot_express(self):
        case = load("dense-mlp")
        case["expectErrors"] = [{"format": "tflite", "runtime": "tfjs-converter", "type": "E", "match": "("}]
        with self.assertRaises(CaseValidationError) as raised:
            validate_case(case)
        self.assertEqual(
            sorted(issue["path"] for issue in raised.exception.issues),
            ["expectErrors[0].format", "expectErrors[0].match"],
        )

    def test_input_is_not_modified(self):
        case = load("dense-mlp")
        before = copy.deepcopy(case)
        validate_case(case)
        self.assertEqual(case, before)


class Vocabulary(unittest.TestCase):
    def test_formats_are_the_generator_registry_and_the_schema_enum(self):
        from roundtrip_generator.formats import FORMATS as WRITERS

        self.assertEqual(tuple(WRITERS), FORMATS)
        self.assertEqual(tuple(CASE_SCHEMA["definitions"]["format"]["enum"]), FORMATS)
        self.assertIn("tfjs-converter", RUNTIMES)

    def test_the_schema_uses_only_keywords_the_checker_knows(self):
        self.assertEqual(schema_issues(load("dense-mlp"), CASE_SCHEMA), [])
        with self.assertRaises(ValueError):
            schema_issues(1, {"oneOf": []})

    def test_shared_errors_are_caught_by_class(self):
        self.assertTrue(issubclass(FormatUnavailable, GeneratorError))
        self.assertTrue(issubclass(CaseValidationError, ValueError))


class ArrayDescription(unittest.TestCase):
    def test_a_scalar_keeps_its_empty_shape(self):
        self.assertEqual(describe_array(np.float32(1.5))["shape"], [])
        self.assertEqual(describe_array(np.array(7, dtype=np.int64))["shape"], [])

    def test_byte_order_does_not_change_the_hash(self):
        little = np.arange(6, dtype="<f4").reshape(2, 3)
        self.assertEqual(describe_array(little), describe_array(little.astype(">f4")))
        self.assertEqual(describe_array(little.T)["sha256"], describe_array(np.ascontiguousarray(little.T))["sha256"])

    def test_strings_and_dtype_override(self):
        self.assertEqual(describe_array(np.array([b"a", b"bc"]))["dtype"], "string")
        self.assertEqual(describe_array(np.array(["a", "bc"], dtype=object)), describe_array(np.array([b"a", b"bc"])))
        self.assertEqual(describe_array(np.zeros(2, dtype=np.uint16), "bfloat16")["dtype"], "bfloat16")


if __name__ == "__main__":
    unittest.main()
