import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.ts';
import { castTensor, coerceForComparison, dtypeRuleFor, RUNTIME_DTYPE_TABLE } from './dtype-table.ts';

describe('dtypeRuleFor', () => {
  it('reads the declared tfjs-node facts', () => {
    expect(dtypeRuleFor('tfjs-node-savedmodel', 'int64')).toMatchObject({ kind: 'coerce', delivers: 'int32', compareAs: 'int64', lossy: false });
    expect(dtypeRuleFor('tfjs-node-savedmodel', 'uint8')).toMatchObject({ kind: 'coerce', delivers: 'int32', compareAs: 'int32', lossy: false });
    expect(dtypeRuleFor('tfjs-node-savedmodel', 'float64').kind).toBe('unsupported');
    expect(dtypeRuleFor('tfjs-node-savedmodel', 'float16').kind).toBe('unsupported');
    expect(dtypeRuleFor('tfjs-node-savedmodel', 'bfloat16').kind).toBe('unsupported');
    expect(dtypeRuleFor('tfjs-node-savedmodel', 'float32')).toEqual({ kind: 'exact', runtime: 'tfjs-node-savedmodel', desired: 'float32' });
  });

  it('declares no lossy coercion: what a runtime returns instead of a reference dtype must hold its values', () => {
    const lossy = Object.entries(RUNTIME_DTYPE_TABLE).flatMap(([runtime, entries]) =>
      entries.filter((entry) => 'lossy' in entry && entry.lossy).map((entry) => `${runtime}: ${entry.desired}`),
    );
    expect(lossy).toEqual([]);
  });

  it('keeps int64 exact for onnxruntime-node and anything undeclared exact', () => {
    expect(dtypeRuleFor('onnxruntime-node', 'int64')).toMatchObject({ kind: 'exact', desired: 'int64' });
    expect(dtypeRuleFor('onnxruntime-node', 'float64').kind).toBe('exact');
    expect(dtypeRuleFor('no-such-runtime', 'int64').kind).toBe('exact');
  });
});

describe('coerceForComparison', () => {
  const sample = (dtype: Tensor['dtype']): Tensor => {
    const values = [0, 1, 2];
    const data =
      dtype === 'int64'
        ? new BigInt64Array(values.map(BigInt))
        : dtype === 'float64'
          ? new Float64Array(values)
          : dtype === 'float32'
            ? new Float32Array(values)
            : dtype === 'uint8'
              ? new Uint8Array(values)
              : new Int32Array(values);
    return { dtype, shape: [3], data };
  };

  it('can carry out every coercion the table declares', () => {
    for (const [runtime, entries] of Object.entries(RUNTIME_DTYPE_TABLE)) {
      for (const entry of entries) {
        if ('unsupported' in entry || entry.delivers === entry.desired) continue;
        const pair = coerceForComparison(sample(entry.delivers), sample(entry.desired), dtypeRuleFor(runtime, entry.desired));
        expect(pair?.actual.dtype).toBe(entry.compareAs);
        expect(pair?.desired.dtype).toBe(entry.compareAs);
        expect(pair?.coercion).toContain(`${entry.desired} → ${entry.delivers} (${runtime}`);
      }
    }
  });

  it('refuses a pair the rule does not describe', () => {
    expect(coerceForComparison(sample('float32'), sample('int64'), dtypeRuleFor('tfjs-node-savedmodel', 'int64'))).toBeUndefined();
    expect(coerceForComparison(sample('int32'), sample('int64'), undefined)).toBeUndefined();
  });
});

describe('castTensor', () => {
  it('widens int32 to int64 exactly and rounds float64 to float32 to nearest', () => {
    const wide = castTensor({ dtype: 'int32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) }, 'int64');
    expect([...(wide.data as BigInt64Array)]).toEqual([-2147483648n, 2147483647n]);
    const narrow = castTensor({ dtype: 'float64', shape: [1], data: new Float64Array([0.1]) }, 'float32');
    expect((narrow.data as Float32Array)[0]).toBe(Math.fround(0.1));
  });

  it('refuses dtypes that have no plain numeric cast', () => {
    expect(() => castTensor({ dtype: 'string', shape: [1], data: ['a'] }, 'int32')).toThrow(/cannot cast string to int32/);
  });
});

describe('dtype table coverage', () => {
  it('has an entry for every TS runtime that runs artifacts, under the registry name', async () => {
    const { NATIVE_RUNTIMES } = await import('../runtimes/registry.ts');
    for (const runtime of NATIVE_RUNTIMES) expect(Object.keys(RUNTIME_DTYPE_TABLE)).toContain(runtime);
  });
});
