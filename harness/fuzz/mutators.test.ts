import { describe, expect, it } from 'vitest';
import { tensorflowProtos } from '../formats/protobuf.ts';
import { readTable } from '../formats/sstable.ts';
import { seededRandom } from '../seeded-random.ts';
import { jsonMutator, mutateFile, mutateNpy, parseWire, serializeWire, writeTable } from './mutators.ts';
import { encodeNpy, parseNpy } from '../formats/npy.ts';

describe('fuzz mutators', () => {
  it('writes SSTables the reader reads back entry for entry', () => {
    const entries = [
      { key: '', value: Uint8Array.from([1, 2, 3]) },
      { key: 'layer/kernel', value: new Uint8Array(300).fill(7) },
    ];
    expect(readTable(writeTable(entries), 'table')).toEqual(entries);
  });

  it('re-serializes protobuf wire format byte for byte, nested messages included', () => {
    const type = tensorflowProtos().lookupType('tensorflow.BundleEntryProto');
    const bytes = type
      .encode(type.fromObject({ dtype: 'DT_FLOAT', shape: { dim: [{ size: 4 }, { size: 3 }] }, shard_id: 0, offset: 96, size: 48, crc32c: 0xdeadbeef }))
      .finish();
    const fields = parseWire(bytes)!;
    expect(fields.some((field) => field.children !== undefined)).toBe(true);
    expect(serializeWire(fields)).toEqual(bytes);
  });

  it('replays: the same seed gives the same mutation', async () => {
    const npy = encodeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6).fill(1.5) });
    for (let seed = 0; seed < 20; seed++) {
      expect(await mutateFile('x.npy', npy, seededRandom(seed))).toEqual(await mutateFile('x.npy', npy, seededRandom(seed)));
    }
  });

  it('keeps an npy header parseable while changing what it declares', () => {
    const npy = encodeNpy({ dtype: 'int32', shape: [4], data: new Int32Array([1, 2, 3, 4]) });
    const headers = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const mutated = mutateNpy(npy, seededRandom(seed));
      headers.add(new TextDecoder('latin1').decode(mutated.subarray(10, 10 + new DataView(mutated.buffer).getUint16(8, true))));
    }
    expect(headers.size).toBeGreaterThan(5);
    expect([...headers].some((header) => /'shape': \((18446744073709551616|4294967296)/.test(header))).toBe(true);
    expect([...headers].some((header) => header.includes("'descr': '<U"))).toBe(true);
    expect(() => parseNpy(npy, 'x.npy')).not.toThrow();
  });

  it('nests JSON deeply among other mutations', async () => {
    const source = new TextEncoder().encode(JSON.stringify({ class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 3 } }] } }));
    const texts = await Promise.all(
      Array.from({ length: 60 }, async (_, seed) => new TextDecoder().decode(await jsonMutator.mutate(source, seededRandom(seed)))),
    );
    expect(texts.some((text) => text.includes('[[[[[[[[') || text.includes('{"a":{"a":{"a":'))).toBe(true);
    expect(texts.some((text) => text !== new TextDecoder().decode(source) && !text.includes('[[[[[[[['))).toBe(true);
  });
});
