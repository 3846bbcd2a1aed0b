import { describe, expect, it } from 'vitest';
import { preflightOnnx } from './onnxruntime-node.ts';
import { RUNTIME_LOADERS } from './registry.ts';
import { signaturesToRun } from '../formats/artifact-runs.ts';
import { preflightSavedModel } from './tfjs-node-savedmodel.ts';

const float = (dtype: string) => ({ dtype, shape: [null, 4] });

describe('capability pre-flight', () => {
  it('tfjs-node-savedmodel lists every signature tensor whose dtype tfjs-node cannot map', () => {
    const signatures = {
      serving_default: { inputs: { x: float('float16') }, outputs: { output_0: float('float32') } },
      serve: { inputs: { x: float('float32') }, outputs: { output_0: float('bfloat16') } },
    };
    expect(preflightSavedModel({ artifact: { format: 'savedmodel', path: 'sm', signatures }, inputs: [] })).toEqual([
      expect.stringMatching(/signature "serving_default" input "x" is float16/),
      expect.stringMatching(/signature "serve" output "output_0" is bfloat16/),
    ]);
    expect(
      preflightSavedModel({
        artifact: { format: 'savedmodel', path: 'sm', signatures: { serving_default: { inputs: { x: float('int64') }, outputs: { y: float('float32') } } } },
        inputs: [],
      }),
    ).toEqual([]);
  });

  it('onnxruntime-node lists fed inputs it cannot take (bfloat16)', () => {
    const inputs = [
      { name: 'x', dtype: 'bfloat16' },
      { name: 'unused', dtype: 'bfloat16' },
      { name: 'ids', dtype: 'int64' },
    ];
    expect(preflightOnnx({ artifact: { format: 'onnx', path: 'm.onnx', inputMap: { x: 'x', ids: 'ids' } }, inputs })).toEqual([
      expect.stringMatching(/input "x" is bfloat16/),
    ]);
  });

  it('is reachable from the registry without a worker', async () => {
    await expect(
      RUNTIME_LOADERS['onnxruntime-node']!.preflight!({ artifact: { format: 'onnx', path: 'm.onnx' }, inputs: [{ name: 'x', dtype: 'float32' }] }),
    ).resolves.toEqual([]);
    expect(RUNTIME_LOADERS['tfjs-keras']!.preflight).toBeUndefined();
  });
});

describe('signaturesToRun', () => {
  it('runs serving_default, then every signature with the same inputs', () => {
    const same = { inputs: { x: float('float32') }, outputs: { output_0: float('float32') } };
    expect(signaturesToRun({ serving_default: same, serve: same, other: { inputs: { z: float('float32') }, outputs: {} } })).toEqual([
      'serving_default',
      'serve',
    ]);
    expect(signaturesToRun(undefined)).toEqual(['serving_default']);
  });
});
