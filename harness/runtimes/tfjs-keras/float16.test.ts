import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareAllClose } from '../../compare/allclose.ts';
import { dtypeRuleFor } from '../../compare/dtype-table.ts';
import { decodeFloat16, encodeFloat16 } from '../../compare/half-float.ts';
import { HAS_NUMPY_PYTHON } from '../../compare/numpy-oracle.ts';
import { runOracleScript } from '../../testing/numpy-script.ts';
import { readArtifact } from '../../formats/registry.ts';
import { readNpy } from '../../formats/npy.ts';
import { goldenCaseDirectory, readGoldenManifest } from '../../generator/golden.ts';
import { GOLDEN_DIR } from '../../paths.ts';
import type { Tensor } from '../../tensor.ts';
import { loadKerasModel, preflight, tfjsKerasRuntime } from '../tfjs-keras.ts';
import { runModel, tf, toTfjsTensor } from '../tfjs-node.ts';
import { positionalOutputName } from '../types.ts';
import { applyActivation } from './activations.ts';
import { FLOAT16_EXACT_ACTIVATIONS, roundToFloat16, toFloat16Tensor } from './float16.ts';

const ENVIRONMENT = 'tf2.21-keras3';

async function golden(caseId: string) {
  const directory = goldenCaseDirectory(ENVIRONMENT, caseId, GOLDEN_DIR);
  const manifest = await readGoldenManifest(ENVIRONMENT, caseId, GOLDEN_DIR);
  const inputs: Record<string, Tensor> = {};
  for (const input of manifest.inputs) inputs[input.name] = await readNpy(path.join(directory, input.file));
  const outputs = await Promise.all(manifest.outputs.map((output) => readNpy(path.join(directory, output.file))));
  return { directory, inputs, outputs };
}

const float32 = (values: number[]): Tensor => ({ dtype: 'float32', shape: [values.length], data: new Float32Array(values) });

describe('float16 compute in tfjs-keras', () => {
  it('rounds a tfjs tensor to float16 as the float16 encoding does: ties to even, overflow, subnormals, NaN; integers untouched', () => {
    const values = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, -70000, 2 ** -25, 3 * 2 ** -25, 1e-8, -0, NaN, Infinity, 0.1, 1 / 3];
    const rounded = tf.tidy(() => Array.from(roundToFloat16(tf.tensor(values)).dataSync()));
    expect(rounded).toEqual(Array.from(decodeFloat16(encodeFloat16(values))));
    expect(rounded.slice(0, 7)).toEqual([1, 1 + 2 ** -9, 65504, Infinity, -Infinity, 0, 2 ** -23]);
    const integers = tf.tensor([70000, 3], [2], 'int32');
    expect(roundToFloat16(integers)).toBe(integers);
    integers.dispose();
  });

  it('encodes an output as float16 only when every value is a float16, so an unrounded float32 output cannot pass as float16', () => {
    expect(toFloat16Tensor(float32([1, -0.5, 65504, Infinity, NaN]), 'out')).toMatchObject({
      dtype: 'float16',
      data: encodeFloat16([1, -0.5, 65504, Infinity, NaN]),
    });
    expect(() => toFloat16Tensor(float32([1, 0.1]), 'model.keras: output_0')).toThrow(
      expect.objectContaining({
        code: 'TFJS_KERAS_FLOAT16_INEXACT',
        message: expect.stringMatching(/output_0.*\[1\] 0\.10000000149011612 \(nearest float16 0\.0999755859375\)/),
      }),
    );
    // A float32 tensor delivered for a float16 reference is a dtype mismatch under tfjs-keras's rule, whatever its values.
    const reference: Tensor = { dtype: 'float16', shape: [2], data: encodeFloat16([1, 0.5]) };
    const comparison = compareAllClose(float32([1, 0.5]), reference, { rtol: 1e-3, atol: 1e-3 }, { dtypeRule: dtypeRuleFor('tfjs-keras', 'float16') });
    expect(comparison.kind).toBe('dtype-mismatch');
  });

  it.skipIf(!HAS_NUMPY_PYTHON)(
    "tfjs-node's float32 ops rounded to float16 give TensorFlow's float16 kernels' bits: matmul and every emulated activation",
    async () => {
      // Every float16 in [-8, 8] through each activation; a 16×64 by 64×32 float16 matmul.
      const keras: Record<string, string> = { linear: 'linear', relu: 'relu', relu6: 'relu6', tanh: 'tanh', kerasExponential: 'exponential' };
      expect(Object.keys(keras).sort()).toEqual([...FLOAT16_EXACT_ACTIVATIONS].sort());
      const oracle = await runOracleScript<{ values: string; activations: Record<string, string>; a: string; b: string; product: string }>(
        `
import json, sys, base64, numpy as np, keras, tensorflow as tf
b64 = lambda array: base64.b64encode(np.ascontiguousarray(array).tobytes()).decode()
names = json.load(sys.stdin)
values = np.arange(65536, dtype=np.uint16).view(np.float16)
values = values[np.isfinite(values) & (np.abs(values) <= 8)]
activations = {key: b64(np.asarray(keras.activations.get(name)(tf.constant(values))).view('<u2')) for key, name in names.items()}
rng = np.random.default_rng(3)
a = rng.uniform(-1, 1, (16, 64)).astype(np.float16)
b = rng.uniform(-1, 1, (64, 32)).astype(np.float16)
print(json.dumps({'values': b64(values.view('<u2')), 'activations': activations, 'a': b64(a.view('<u2')), 'b': b64(b.view('<u2')),
                  'product': b64(tf.matmul(a, b).numpy().view('<u2'))}))
`,
        keras,
      );
      const bits = (encoded: string) => new Uint16Array(new Uint8Array(Buffer.from(encoded, 'base64')).buffer);
      const values = decodeFloat16(bits(oracle.values));
      expect(values.length).toBeGreaterThan(30_000);
      for (const identifier of FLOAT16_EXACT_ACTIVATIONS) {
        const ours = encodeFloat16(tf.tidy(() => roundToFloat16(applyActivation(identifier, tf.tensor(values))).dataSync() as Float32Array));
        const theirs = bits(oracle.activations[identifier]!);
        // Values, not bits: relu and relu6 of -0 are -0 in TensorFlow's float16 kernels and +0 here, equal as numbers (as allclose compares).
        const [mine, reference] = [decodeFloat16(ours), decodeFloat16(theirs)];
        const differing = mine.filter((value, index) => value !== reference[index] && !(Number.isNaN(value) && Number.isNaN(reference[index]))).length;
        expect(differing, identifier).toBe(0);
      }
      const product = encodeFloat16(
        tf.tidy(
          () =>
            roundToFloat16(
              tf.matMul(tf.tensor(decodeFloat16(bits(oracle.a)), [16, 64]), tf.tensor(decodeFloat16(bits(oracle.b)), [64, 32])),
            ).dataSync() as Float32Array,
        ),
      );
      expect(Array.from(product)).toEqual(Array.from(bits(oracle.product)));
    },
  );

  for (const [caseId, dtype] of [
    ['dtype-float16', 'float16'],
    ['mixed-precision', 'float32'],
  ] as const) {
    for (const format of ['keras', 'h5'] as const) {
      it(`${caseId} (${format}): the output has Keras's dtype (${dtype}) and its exact bits`, async () => {
        const { directory, inputs, outputs } = await golden(caseId);
        const artifactPath = path.join(directory, 'artifacts', `model.${format}`);
        const result = await tfjsKerasRuntime.run({ runtime: 'tfjs-keras', format, artifactPath, inputs });
        const output = result.outputs[positionalOutputName(0)]!;
        expect(output.dtype).toBe(dtype);
        expect(outputs[0]!.dtype).toBe(dtype);
        expect(Array.from(output.data as ArrayLike<number>)).toEqual(Array.from(outputs[0]!.data as ArrayLike<number>));
      });
    }
  }

  it('mixed-precision: the same model computed in float32 throughout differs from Keras, so the roundings are what makes it match', async () => {
    const { directory, inputs, outputs } = await golden('mixed-precision');
    const artifactPath = path.join(directory, 'artifacts', 'model.keras');
    const contents = await readArtifact(artifactPath);
    const layers = (contents.config as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    for (const layer of layers) if (layer.config['name'] === 'hidden') layer.config['dtype'] = 'float32';
    const built = loadKerasModel(contents, artifactPath);
    const [tensor] = runModel(built.model, [toTfjsTensor('x', inputs['x']!, [])]);
    const float32Output = Array.from(tensor!.dataSync());
    built.model.dispose();
    expect(float32Output).not.toEqual(Array.from(outputs[0]!.data as Float32Array));
  });

  it('refuses float16 compute where it does not reproduce Keras: an activation with its own float16 rounding, a layer without a float16 form', async () => {
    const contents = await readArtifact(path.join(goldenCaseDirectory(ENVIRONMENT, 'mixed-precision', GOLDEN_DIR), 'artifacts', 'model.keras'));
    expect(preflight(contents)).toEqual([]);
    const layers = (contents.config as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    const hidden = layers.find((layer) => layer.config['name'] === 'hidden')!;
    hidden.config['activation'] = 'sigmoid';
    expect(preflight(contents)).toEqual([expect.stringMatching(/Dense "hidden", argument activation: activation "sigmoid" under compute dtype mixed_float16/)]);
    hidden.class_name = 'LayerNormalization';
    hidden.config = { name: 'hidden', dtype: hidden.config['dtype'], axis: -1, epsilon: 0.001, center: true, scale: true };
    expect(preflight(contents)).toEqual([
      expect.stringMatching(/LayerNormalization "hidden", argument dtype: compute dtype mixed_float16: .* only for Dense, /),
    ]);
  });
});
