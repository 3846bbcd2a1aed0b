import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareAllClose } from '../compare/allclose.ts';
import { readNpy } from '../formats/npy.ts';
import { goldenRunRequest } from '../testing/golden-run.ts';
import { onnxRuntimeNodeRuntime } from './onnxruntime-node.ts';

describe('onnxruntime-node runtime', () => {
  it('hands back outputs that outlive the released session and share no buffer between runs', async () => {
    const { request, manifest, directory } = await goldenRunRequest('dense-mlp', 'onnx', 'onnxruntime-node');
    // run() releases its session before returning: the outputs must be JS-owned copies.
    const first = await onnxRuntimeNodeRuntime.run(request);
    const second = await onnxRuntimeNodeRuntime.run(request);
    const [outputName, firstOutput] = Object.entries(first.outputs)[0]!;
    const secondOutput = second.outputs[outputName]!;
    expect((firstOutput.data as Float32Array).buffer).not.toBe((secondOutput.data as Float32Array).buffer);
    const reference = manifest.outputs[0]!;
    const desired = await readNpy(path.join(directory, reference.file));
    expect(compareAllClose(firstOutput, desired, { rtol: 1e-5, atol: 1e-6 }).pass).toBe(true);
    (secondOutput.data as Float32Array).fill(Number.NaN);
    expect(compareAllClose(firstOutput, desired, { rtol: 1e-5, atol: 1e-6 }).pass).toBe(true);
  });
});
