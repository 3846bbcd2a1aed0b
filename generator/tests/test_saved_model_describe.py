"""The SavedModel's manifest entry, read from saved_model.pb, is what the loaded SavedModel's signature functions
describe: inputs by name, outputs in order, dtypes and shapes (an unknown batch as null).

Needs the default environment's TensorFlow and Keras.
"""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from roundtrip_generator.formats import saved_model
from roundtrip_generator.keras_compat import export_saved_model
from roundtrip_generator.tensorflow_setup import import_tensorflow


class SavedModelDescribe(unittest.TestCase):
    def test_signature_defs_describe_what_the_loaded_signatures_do(self):
        tf, keras = import_tensorflow()
        keras.utils.set_random_seed(5)
        wide = keras.Input((3,), name="wide")
        counts = keras.Input((2,), name="counts", dtype="int32")
        joined = keras.layers.Concatenate()([wide, keras.layers.Lambda(lambda x: keras.ops.cast(x, "float32"))(counts)])
        model = keras.Model(
            [wide, counts], [keras.layers.Dense(2, name="score")(joined), keras.layers.Dense(1, name="gate")(joined)]
        )
        with tempfile.TemporaryDirectory(prefix="saved-model-describe-") as folder:
            path = Path(folder) / "savedmodel"
            export_saved_model(model, path)
            case = {"inputs": [{"name": "wide"}, {"name": "counts"}]}
            described = saved_model.describe(path, case, ["score", "gate"])
            loaded = tf.saved_model.load(str(path))
            expected = {key: saved_model._describe_signature(function) for key, function in loaded.signatures.items()}
        self.assertEqual(described["signatures"], expected)
        self.assertEqual(list(described["signatures"]), sorted(expected))
        serving = described["signatures"]["serving_default"]
        self.assertEqual(serving["inputs"]["counts"], {"dtype": "int32", "shape": [None, 2]})
        self.assertEqual(list(serving["outputs"]), ["output_0", "output_1"])
        self.assertEqual(described["inputMap"], {"wide": "wide", "counts": "counts"})


if __name__ == "__main__":
    unittest.main()
