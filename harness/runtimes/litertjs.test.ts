/**
 * LiteRT.js (real wasm, in this process) on .tflite files TensorFlow converts here with static shapes, against
 * TensorFlow's own interpreter on the same file and inputs; the pre-flight on a conversion with a dynamic batch.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAllClose } from '../compare/allclose.ts';
import { readNpy } from '../formats/npy.ts';
import { HAS_PYTHON, makeTempDir, runPython } from '../formats/test-support.ts';
import { litertJsRuntime, preflightLiteRtJs } from './litertjs.ts';

const BUILD = `
import os, numpy as np, tensorflow as tf, keras
inputs = keras.Input((6, 6, 2), name="x")
hidden = keras.layers.Conv2D(3, 3, activation="gelu")(inputs)
outputs = keras.layers.Dense(4)(keras.layers.Flatten()(hidden))
model = keras.Model(inputs, outputs)
x = np.random.default_rng(0).uniform(-1, 1, (2, 6, 6, 2)).astype("float32")
np.save("x.npy", x)
model.export("savedmodel", format="tf_saved_model", input_signature=[tf.TensorSpec([2, 6, 6, 2], tf.float32, name="x")], verbose=False)
for name in ("float32", "float16"):
    converter = tf.lite.TFLiteConverter.from_saved_model("savedmodel")
    if name == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    open(name + ".tflite", "wb").write(converter.convert())
    runner = tf.lite.Interpreter(model_path=name + ".tflite").get_signature_runner("serving_default")
    np.save(name + ".expected.npy", next(iter(runner(x=x).values())))
model.export("dynamic", format="tf_saved_model", input_signature=[tf.TensorSpec([None, 6, 6, 2], tf.float32, name="x")], verbose=False)
open("dynamic.tflite", "wb").write(tf.lite.TFLiteConverter.from_saved_model("dynamic").convert())
# TFLite has no builtin for a cumulative product: it stays the TF select op FlexCumprod.
class Cumprod(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32, name="x")])
    def __call__(self, x):
        return {"y": tf.math.cumprod(x, axis=1)}
# Builtins only (CAST, RESHAPE), with a float64 input.
class Float64Input(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float64, name="x")])
    def __call__(self, x):
        return {"y": tf.reshape(tf.cast(x, tf.float32), [3, 2])}
for name, module in (("flex", Cumprod()), ("float64", Float64Input())):
    tf.saved_model.save(module, name, signatures=module.__call__)
    converter = tf.lite.TFLiteConverter.from_saved_model(name)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    open(name + ".tflite", "wb").write(converter.convert())
`;

describe.skipIf(!HAS_PYTHON)('litertjs runtime', { timeout: 180_000 }, () => {
  let directory = '';
  beforeAll(async () => {
    directory = await makeTempDir();
    await runPython(BUILD, directory);
  }, 300_000);
  afterAll(() => rm(directory, { recursive: true, force: true }));

  for (const variant of ['float32', 'float16']) {
    it(`a ${variant} .tflite with static shapes matches TensorFlow's interpreter on the same file`, async () => {
      const file = path.join(directory, `${variant}.tflite`);
      const inputs = { x: await readNpy(path.join(directory, 'x.npy')) };
      expect(await preflightLiteRtJs({ artifact: { format: 'tflite', path: file }, artifactPath: file, inputs: [{ name: 'x', dtype: 'float32' }] })).toEqual(
        [],
      );
      const result = await litertJsRuntime.run({ runtime: 'litertjs', format: 'tflite', artifactPath: file, inputs });
      expect(Object.keys(result.outputs)).toEqual(['output_0']);
      expect(result.settings).toMatchObject({ accelerator: 'wasm', numThreads: 1, signature: 'serving_default' });
      const comparison = compareAllClose(result.outputs['output_0']!, await readNpy(path.join(directory, `${variant}.expected.npy`)), {
        rtol: 1e-5,
        atol: 1e-5,
        equalNan: true,
      });
      expect(comparison.pass, JSON.stringify(comparison.report)).toBe(true);
    });
  }

  it('the pre-flight names a dynamic input dimension, which LiteRT.js cannot resize', async () => {
    const file = path.join(directory, 'dynamic.tflite');
    const problems = await preflightLiteRtJs({ artifact: { format: 'tflite', path: file }, artifactPath: file, inputs: [{ name: 'x', dtype: 'float32' }] });
    expect(problems).toEqual([
      expect.stringMatching(/signature "serving_default" input tensor \d+ has dynamic shape \[-1,6,6,2\]; LiteRT.js cannot resize inputs/),
    ]);
  });

  it('TF select ops are unsupported: the pre-flight names each with its version, and running anyway says so instead of returning garbage', async () => {
    const file = path.join(directory, 'flex.tflite');
    const problems = await preflightLiteRtJs({ artifact: { format: 'tflite', path: file }, artifactPath: file, inputs: [{ name: 'x', dtype: 'float32' }] });
    expect(problems).toEqual(['op CUSTOM "FlexCumprod" version 1: TF select ops are not part of LiteRT.js']);
    // LiteRT.js itself only logs the failed allocation and returns uninitialized outputs.
    const x = { dtype: 'float32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    await expect(litertJsRuntime.run({ runtime: 'litertjs', format: 'tflite', artifactPath: file, inputs: { x } })).rejects.toMatchObject({
      code: 'LITERTJS_OP_UNSUPPORTED',
      phase: 'load',
      message: expect.stringContaining('op CUSTOM "FlexCumprod" version 1: TF select ops are not part of LiteRT.js'),
    });
  });

  it('a float64 input is unsupported: the pre-flight names the signature tensor, and loading anyway names the element type', async () => {
    const file = path.join(directory, 'float64.tflite');
    const problems = await preflightLiteRtJs({ artifact: { format: 'tflite', path: file }, artifactPath: file, inputs: [{ name: 'x', dtype: 'float64' }] });
    expect(problems).toContainEqual(
      expect.stringMatching(/^signature "serving_default" input tensor \d+ is float64; LiteRT.js tensors take float32, int32, uint8$/),
    );
    await expect(litertJsRuntime.run({ runtime: 'litertjs', format: 'tflite', artifactPath: file, inputs: {} })).rejects.toMatchObject({
      code: 'LITERTJS_DTYPE_UNSUPPORTED',
      phase: 'load',
      message: expect.stringContaining('LiteRT.js has no FLOAT64 tensors'),
    });
  });

  it('a file LiteRT cannot load is a load-phase RuntimeError, not a crash', async () => {
    const file = path.join(directory, 'junk.tflite');
    await writeFile(file, new Uint8Array(64));
    await expect(litertJsRuntime.run({ runtime: 'litertjs', format: 'tflite', artifactPath: file, inputs: {} })).rejects.toMatchObject({
      code: 'RUNTIME_LOAD_FAILED',
      phase: 'load',
    });
  });
});
