"""Seed 004: checkpoints while training, and resume-training equivalence across a save/load."""

from __future__ import annotations

import numpy as np

from ..model_building import build_model
from ..tensorflow_setup import import_tensorflow, reset_for_case
from . import check, error_check, max_abs_diff


def _data(context):
    rng = np.random.default_rng(context.case["seed"])
    shape = context.case["inputs"][0]["shape"][1:]
    x = rng.uniform(-1, 1, size=(context.args.get("samples", 32), *shape)).astype("float32")
    return x, x.sum(axis=tuple(range(1, x.ndim)), keepdims=False)[:, None].repeat(context.args.get("units", 2), axis=1)


def _compiled(context):
    _, keras = import_tensorflow()
    reset_for_case(context.case["seed"])
    model = build_model(context.case)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    return model


def training_checkpoints(context) -> list[dict]:
    tf, keras = import_tensorflow()
    x, y = _data(context)
    every = context.args.get("every", 2)
    model = _compiled(context)
    weights_pattern = str(context.work_dir / "weights-{batch:03d}.weights.h5")

    class EveryNBatches(keras.callbacks.Callback):
        """ModelCheckpoint(save_freq=N) names files by epoch; this keeps one file per N batches."""

        def on_train_batch_end(self, batch, logs=None):
            if (batch + 1) % every == 0:
                self.model.save_weights(weights_pattern.format(batch=batch + 1))

    checkpoint_cb = keras.callbacks.ModelCheckpoint(
        str(context.work_dir / "latest.weights.h5"), save_weights_only=True, save_freq=every
    )
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[checkpoint_cb, EveryNBatches()])
    saved = sorted(path.name for path in context.work_dir.glob("weights-*.weights.h5"))
    steps = len(x) // 4
    checks = [
        check(
            "weights-h5",
            "model-checkpoint-every-n",
            len(saved) == steps // every and (context.work_dir / "latest.weights.h5").exists(),
            f"{len(saved)} weight files every {every} of {steps} batches: {saved}",
        )
    ]

    final = model.evaluate(x, y, verbose=0)
    restored = _compiled(context)
    restored.load_weights(str(context.work_dir / f"weights-{steps:03d}.weights.h5"))
    after = restored.evaluate(x, y, verbose=0)
    checks.append(
        check(
            "weights-h5",
            "model-checkpoint-restore",
            np.isclose(final, after, rtol=1e-6, atol=1e-7),
            f"loss after training {final:.6g}, after restoring the last weights file {after:.6g}",
            abs(final - after),
        )
    )

    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(model=model, optimizer=model.optimizer), str(context.work_dir / "tf"), max_to_keep=2
    )
    manager.save()
    latest = tf.train.latest_checkpoint(str(context.work_dir / "tf"))
    fresh = _compiled(context)
    fresh.optimizer.build(fresh.trainable_variables)
    tf.train.Checkpoint(model=fresh, optimizer=fresh.optimizer).restore(latest).assert_existing_objects_matched()
    restored_loss = fresh.evaluate(x, y, verbose=0)
    diff = max_abs_diff([v.numpy() for v in model.optimizer.variables], [v.numpy() for v in fresh.optimizer.variables])
    checks.append(
        check(
            "checkpoint",
            "latest-checkpoint-restore",
            np.isclose(final, restored_loss, rtol=1e-6, atol=1e-7) and diff == 0,
            f"latest_checkpoint {latest.rsplit('/', 1)[-1]}: loss {restored_loss:.6g} vs {final:.6g}, "
            f"optimizer variables max |diff| {diff:.3g}",
            diff,
        )
    )
    return checks


def resume_training(context) -> list[dict]:
    """Train N then M epochs straight; versus train N, save, load, train M. Weights and optimizer state must match."""
    _, keras = import_tensorflow()
    x, y = _data(context)
    first, second = context.args.get("first", 2), context.args.get("second", 2)
    checks = []
    straight = _compiled(context)
    straight.fit(x, y, batch_size=8, epochs=first + second, shuffle=False, verbose=0)
    for format_name in context.args.get("formats", ["keras", "h5"]):
        model = _compiled(context)
        model.fit(x, y, batch_size=8, epochs=first, shuffle=False, verbose=0)
        path = context.work_dir / ("resume.keras" if format_name == "keras" else "resume.h5")
        model.save(path)
        try:
            resumed = keras.models.load_model(path)
            resumed.fit(x, y, batch_size=8, epochs=second, shuffle=False, verbose=0)
        except Exception as error:
            checks.append(error_check(format_name, "resume-training", error))
            continue
        weights = max_abs_diff([w.numpy() for w in straight.weights], [w.numpy() for w in resumed.weights])
        optimizer = (
            max_abs_diff(
                [v.numpy() for v in straight.optimizer.variables], [v.numpy() for v in resumed.optimizer.variables]
            )
            if len(straight.optimizer.variables) == len(resumed.optimizer.variables)
            else float("inf")
        )
        iterations = (int(straight.optimizer.iterations.numpy()), int(resumed.optimizer.iterations.numpy()))
        checks.append(
            check(
                format_name,
                "resume-training",
                weights <= 1e-6 and optimizer <= 1e-6 and iterations[0] == iterations[1],
                f"train {first}+{second} epochs vs save/load between: weights max |diff| {weights:.3g}, "
                f"optimizer variables max |diff| {optimizer:.3g} ({len(straight.optimizer.variables)} vs "
                f"{len(resumed.optimizer.variables)}), iterations {iterations[0]} vs {iterations[1]}",
                weights,
            )
        )
    return checks
