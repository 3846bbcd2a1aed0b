"""The writers' checks of what an older Keras takes, against stand-ins with Keras 3.0.5's ``Model`` signatures."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from roundtrip_generator.errors import FormatUnavailable
from roundtrip_generator.keras_compat import export_saved_model, save_sharded_weights


class Keras305Model:
    """``Model.export`` and ``Model.save_weights`` as Keras 3.0.5 declares them (keras/src/models/model.py)."""

    def __init__(self):
        self.calls = []

    def export(self, filepath, format="tf_saved_model"):  # noqa: A002 (Keras's own parameter name)
        self.calls.append(("export", filepath, format))

    def save_weights(self, filepath, overwrite=True):
        self.calls.append(("save_weights", filepath))


class Keras310Model(Keras305Model):
    """The same from Keras 3.10, which added ``verbose`` (3.6), ``input_signature`` (3.8) and ``max_shard_size``."""

    def export(self, filepath, format="tf_saved_model", verbose=True, input_signature=None, **kwargs):  # noqa: A002
        self.calls.append(("export", filepath, format, verbose, input_signature))

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        self.calls.append(("save_weights", filepath, max_shard_size))


class OlderKerasWriters(unittest.TestCase):
    def test_sharded_weights_are_unavailable_without_max_shard_size(self):
        model = Keras305Model()
        with tempfile.TemporaryDirectory() as folder:
            with self.assertRaisesRegex(FormatUnavailable, r"cannot shard weights: .*max_shard_size.*Keras 3\.10"):
                save_sharded_weights(model, Path(folder) / "model.weights.json", 0.001)
        self.assertEqual(model.calls, [])

    def test_sharded_weights_pass_the_size_where_keras_takes_it(self):
        model = Keras310Model()
        save_sharded_weights(model, Path("model.weights.json"), 0.001)
        self.assertEqual(model.calls, [("save_weights", "model.weights.json", 0.001)])

    def test_saved_model_export_is_quiet_only_where_keras_takes_verbose(self):
        old, new = Keras305Model(), Keras310Model()
        export_saved_model(old, Path("savedmodel"))
        export_saved_model(new, Path("savedmodel"))
        self.assertEqual(old.calls, [("export", "savedmodel", "tf_saved_model")])
        self.assertEqual(new.calls, [("export", "savedmodel", "tf_saved_model", False, None)])


if __name__ == "__main__":
    unittest.main()
