"""Sharded weights: ``save_weights("model.weights.json", max_shard_size=…)`` → JSON index + ``model_NNNNN.weights.h5``.

The shard size is chosen from the model so that even a tiny case spreads over several shards.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..forward_pass import name_outputs, run_keras_model
from ..keras_compat import require_weight_sharding, save_sharded_weights
from ..keras_loading import build_fresh_model
from ..weight_truth import describe_hdf5

ARTIFACT_PATH = "artifacts/sharded"
INDEX_FILE = "model.weights.json"
SHARD_COUNT_AIM = 3


def producer(versions: dict) -> str:
    return f"keras.Model.save_weights max_shard_size (keras {versions['keras']}, h5py {versions['h5py']})"


def save(model, path: Path) -> None:
    # Before sizing the shards: a Keras 2 or tf_keras variable's dtype is a tf.DType, which numpy cannot read.
    require_weight_sharding(model)
    path.mkdir(parents=True, exist_ok=True)
    sizes = [int(np.prod(variable.shape)) * np.dtype(variable.dtype).itemsize for variable in model.weights] or [1]
    shard_bytes = max(max(sizes), sum(sizes) / SHARD_COUNT_AIM)
    save_sharded_weights(model, path / INDEX_FILE, shard_bytes / 1024**3)


def describe(path: Path, case: dict, reference_names: list[str]) -> dict:
    index = json.loads((path / INDEX_FILE).read_text(encoding="utf-8"))
    return {
        "index": INDEX_FILE,
        "shards": sorted({shard for shards in index["weight_map"].values() for shard in shards}),
    }


def truth(path: Path) -> dict:
    """``weights`` merges the shards by dataset path (each variable lives in exactly one shard), as the reader keys
    them."""
    shards = {shard.name: describe_hdf5(shard) for shard in sorted(path.glob("*.weights.h5"))}
    weights: dict[str, dict] = {}
    for shard_name, datasets in shards.items():
        for dataset_path, description in datasets.items():
            if dataset_path in weights:
                raise ValueError(f"{path}: dataset {dataset_path} appears in more than one shard ({shard_name})")
            weights[dataset_path] = description
    return {
        "index": json.loads((path / INDEX_FILE).read_text(encoding="utf-8")),
        "shards": shards,
        "weights": dict(sorted(weights.items())),
    }


def run(path: Path, artifact: dict, case: dict, inputs: dict, reference_names: list[str]) -> dict:
    model = build_fresh_model(case)
    model.load_weights(str(path / INDEX_FILE))
    return name_outputs(reference_names, run_keras_model(model, inputs))
