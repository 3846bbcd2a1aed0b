import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { compareAllClose } from '../compare/allclose.ts';
import { HAS_SIMD_SCAN, allocateScanArrayToFill } from '../compare/simd-scan.ts';
import type { Tensor } from '../tensor.ts';
import { goldenRunRequest } from '../testing/golden-run.ts';
import { onnxRuntimeNodeRuntime } from './onnxruntime-node.ts';
import { OutputFrames, pipeOutputs } from './output-channel.ts';
import { RuntimePool } from './pool.ts';

/** Everything `pipeOutputs` writes for `outputs`, as one buffer. */
async function framesOf(id: number, outputs: Record<string, Tensor>): Promise<{ bytes: Buffer; sent: Awaited<ReturnType<typeof pipeOutputs>> }> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const sent = await pipeOutputs(sink, id, outputs);
  return { bytes: Buffer.concat(chunks), sent };
}

/** Feed `bytes` to a receiver in pieces of the given sizes, cycling. */
function feed(stream: PassThrough, bytes: Buffer, sizes: number[]): void {
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length]!;
    stream.write(bytes.subarray(at, at + size));
    at += size;
  }
}

const OUTPUTS: Record<string, Tensor> = {
  y: { dtype: 'float32', shape: [3, 1000], data: Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 1e3) },
  empty: { dtype: 'float64', shape: [0, 4], data: new Float64Array(0) },
  labels: { dtype: 'int32', shape: [2], data: Int32Array.of(7, -1) },
  z: { dtype: 'float64', shape: [5], data: Float64Array.of(Number.NaN, -0, Number.POSITIVE_INFINITY, 1e-310, -2.5) },
};

describe('output channel', () => {
  it('reads every float output into an array allocated from its frame header, split anywhere, and leaves the others in the answer', async () => {
    const { bytes, sent } = await framesOf(9, OUTPUTS);
    expect(sent['labels']).toBe(OUTPUTS['labels']);
    expect(sent['y']).toEqual({ dtype: 'float32', shape: [3, 1000], piped: 0 });
    for (const sizes of [[1], [3, 17, 5], [16], [bytes.length]]) {
      const stream = new PassThrough();
      const frames = new OutputFrames(stream);
      const allocated: string[] = [];
      frames.expect(9, (dtype, length) => {
        allocated.push(`${dtype}[${length}]`);
        return undefined;
      });
      feed(stream, bytes, sizes);
      const received = await frames.complete(9, sent);
      expect(allocated).toEqual(['float32[3000]', 'float64[0]', 'float64[5]']);
      for (const [name, tensor] of Object.entries(OUTPUTS)) {
        expect(received[name]!.dtype).toBe(tensor.dtype);
        expect(received[name]!.shape).toEqual(tensor.shape);
        // Bit for bit: NaN, -0 and subnormals included.
        expect(Buffer.from((received[name]!.data as Float64Array).buffer)).toEqual(Buffer.from((tensor.data as Float64Array).buffer));
      }
    }
  });

  it.runIf(HAS_SIMD_SCAN)('places the outputs where the allocator says, and drops the frames of a job that ended', async () => {
    const stream = new PassThrough();
    const frames = new OutputFrames(stream);
    const forgotten = await framesOf(4, OUTPUTS);
    frames.expect(4, allocateScanArrayToFill);
    frames.forget(4);
    feed(stream, forgotten.bytes, [100]);
    const { bytes, sent } = await framesOf(5, OUTPUTS);
    frames.expect(5, allocateScanArrayToFill);
    feed(stream, bytes, [4096]);
    const received = await frames.complete(5, sent);
    expect((received['y']!.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(received['y']!.data).toEqual(OUTPUTS['y']!.data);
  });

  it('fails a job with RUNTIME_OUTPUT_CHANNEL when a frame header is corrupt or a frame does not match the answer', async () => {
    const { bytes, sent } = await framesOf(2, OUTPUTS);
    const corrupt = Buffer.from(bytes);
    corrupt.writeUInt32LE(3, 4);
    const stream = new PassThrough();
    const frames = new OutputFrames(stream);
    frames.expect(2, undefined);
    feed(stream, corrupt, [64]);
    await expect(frames.complete(2, sent)).rejects.toMatchObject({ code: 'RUNTIME_OUTPUT_CHANNEL', message: expect.stringContaining('dtype code 3') });

    const other = new PassThrough();
    const mismatched = new OutputFrames(other);
    mismatched.expect(2, undefined);
    feed(other, bytes, [bytes.length]);
    await expect(mismatched.complete(2, { ...sent, y: { dtype: 'float32', shape: [3, 999], piped: 0 } })).rejects.toMatchObject({
      code: 'RUNTIME_OUTPUT_CHANNEL',
      message: expect.stringContaining('expected 2997 elements; received Float32Array of 3000'),
    });
  });
});

describe('RuntimePool output channel with onnxruntime-node', () => {
  const pool = new RuntimePool({ size: 1 });
  afterAll(() => pool.close());

  it.runIf(HAS_SIMD_SCAN)("receives a real model's outputs into the compare kernel's memory, equal to the same run in this process", async () => {
    const { request } = await goldenRunRequest('dense-mlp', 'onnx', 'onnxruntime-node');
    const local = await onnxRuntimeNodeRuntime.run(request);
    const placed = await pool.run(request, { allocate: allocateScanArrayToFill });
    const ordinary = await pool.run(request);
    if (placed.kind !== 'ok' || ordinary.kind !== 'ok') throw new Error(`pool runs: ${placed.kind}, ${ordinary.kind}`);
    for (const [name, tensor] of Object.entries(local.outputs)) {
      expect((placed.value.outputs[name]!.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
      expect((ordinary.value.outputs[name]!.data as Float32Array).buffer).toBeInstanceOf(ArrayBuffer);
      for (const received of [placed.value.outputs[name]!, ordinary.value.outputs[name]!]) {
        expect(received).toMatchObject({ dtype: tensor.dtype, shape: tensor.shape });
        expect(compareAllClose(received, tensor, { rtol: 0, atol: 0, equalNan: true }).pass).toBe(true);
      }
    }
  });
});
