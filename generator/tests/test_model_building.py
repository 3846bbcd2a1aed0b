"""Case layers → Keras: wrapped layers given as {class, config}, and the call modes of functional layers."""

from __future__ import annotations

import unittest

from roundtrip_generator.model_building import build_model


def _case(model: dict, inputs: list[dict]) -> dict:
    return {"model": model, "inputs": inputs}


class NestedLayers(unittest.TestCase):
    def test_a_config_value_with_class_is_built_as_the_wrapped_layer(self):
        model = build_model(
            _case(
                {
                    "sequential": {
                        "input": {"shape": [3, 4]},
                        "layers": [
                            {
                                "class": "TimeDistributed",
                                "config": {"layer": {"class": "Dense", "config": {"units": 2}}},
                            }
                        ],
                    }
                },
                [{"name": "x", "shape": [2, 3, 4], "dtype": "float32"}],
            )
        )
        wrapper = model.layers[0]
        self.assertEqual(type(wrapper.layer).__name__, "Dense")
        self.assertEqual(tuple(model.compute_output_shape((None, 3, 4))), (None, 3, 2))


class CallModes(unittest.TestCase):
    def _functional(self, layer: dict) -> dict:
        return {
            "functional": {
                "inputs": [{"name": "a", "shape": [4, 6]}],
                "layers": [{"name": "out", "call": ["a", "a"], **layer}],
                "outputs": ["out"],
            }
        }

    def test_positional_passes_each_tensor_as_its_own_argument(self):
        model = build_model(
            _case(
                self._functional(
                    {"class": "MultiHeadAttention", "config": {"num_heads": 2, "key_dim": 3}, "callMode": "positional"}
                ),
                [],
            )
        )
        self.assertEqual(tuple(model.output.shape), (None, 4, 6))

    def test_list_is_the_default_and_passes_one_list(self):
        model = build_model(_case(self._functional({"class": "Concatenate", "config": {}}), []))
        self.assertEqual(tuple(model.output.shape), (None, 4, 12))


if __name__ == "__main__":
    unittest.main()
