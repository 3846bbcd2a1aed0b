import { copyFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import snappy from 'snappyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32c, extendCrc32c, maskCrc32c } from './crc32c.ts';
import { tensorflowProtos } from './protobuf.ts';
import { hasTableMagic, readTable } from './sstable.ts';
import { readBundleIndex, readBundleTensors, shardPath } from './tensor-bundle.ts';
import { tensorflowDtypeName } from './tf-dtypes.ts';
import { hashTensor } from './tensor-hash.ts';
import { HAS_PYTHON, makeTempDir, runPython } from './test-support.ts';
import { resolveLimits } from './types.ts';

/** One variable per dtype a bundle can hold, written by tf.train.Checkpoint; the truth is tf.train.load_checkpoint's. */
const WRITE_EVERY_DTYPE = `
import hashlib, json, numpy as np, tensorflow as tf
rng = np.random.default_rng(5)
values = {
  'f32': rng.standard_normal((3, 4)).astype(np.float32), 'f64': rng.standard_normal((2, 3)),
  'f16': rng.standard_normal((5,)).astype(np.float16), 'bf16': tf.constant(rng.standard_normal((2, 2)), tf.bfloat16),
  'i8': np.array([-128, 0, 127], np.int8), 'i16': np.array([-3, 3], np.int16), 'i32': np.arange(6, dtype=np.int32).reshape(2, 3),
  'i64': np.array([-(2**62), 2**62], np.int64), 'u8': np.array([0, 255], np.uint8), 'u16': np.array([65535], np.uint16),
  'u32': np.array([2**32 - 1], np.uint32), 'u64': np.array([2**64 - 1], np.uint64), 'flag': np.array([True, False, True]),
  'scalar': np.float32(2.5), 'empty': np.zeros((0, 3), np.float32),
  'words': np.array([b'ab', b'', 'caf\\u00e9'.encode(), b'x' * 300], object), 'word': b'one',
}
ckpt = tf.train.Checkpoint(**{name: tf.Variable(value) for name, value in values.items()})
ckpt.write('bundle/ckpt')
reader = tf.train.load_checkpoint('bundle/ckpt')
truth = {}
for key, dtype in reader.get_variable_to_dtype_map().items():
    if key == '_CHECKPOINTABLE_OBJECT_GRAPH': continue
    value = reader.get_tensor(key)
    if dtype == tf.string:
        items = np.asarray(value, object).reshape(-1)
        data = b''.join(len(item).to_bytes(4, 'little') + item for item in items)
        truth[key] = {'dtype': 'string', 'shape': list(np.shape(value)), 'sha256': hashlib.sha256(data).hexdigest()}
    else:
        array = np.asarray(value)
        truth[key] = {'dtype': dtype.name, 'shape': list(array.shape), 'sha256': hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()}
print(json.dumps(truth))
`;

type Truth = Record<string, { dtype: string; shape: number[]; sha256: string }>;

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}

/** A minimal table writer for hostile indexes: one data block (every entry a restart point), one index block, a footer. */
function writeTable(entries: { key: string; value: Uint8Array }[], compress = false): Uint8Array {
  const out: number[] = [];
  const block = (contents: number[]): { offset: number; size: number } => {
    const stored = compress ? [...snappy.compress(Uint8Array.from(contents))] : contents;
    const offset = out.length;
    out.push(...stored, compress ? 1 : 0);
    const crc = maskCrc32c(extendCrc32c(crc32c(Uint8Array.from(stored)), Uint8Array.of(compress ? 1 : 0)));
    out.push(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24);
    return { offset, size: stored.length };
  };
  const blockContents = (pairs: { key: Uint8Array; value: Uint8Array }[]): number[] => {
    const bytes: number[] = [];
    const restarts: number[] = [];
    for (const { key, value } of pairs) {
      restarts.push(bytes.length);
      bytes.push(...varint(0), ...varint(key.length), ...varint(value.length), ...key, ...value);
    }
    for (const restart of [...restarts, restarts.length]) bytes.push(restart & 0xff, (restart >>> 8) & 0xff, (restart >>> 16) & 0xff, restart >>> 24);
    return bytes;
  };
  const utf8 = new TextEncoder();
  const data = block(blockContents(entries.map(({ key, value }) => ({ key: utf8.encode(key), value }))));
  const metaindex = block(blockContents([]));
  const lastKey = utf8.encode(entries.at(-1)?.key ?? '');
  const index = block(blockContents([{ key: lastKey, value: Uint8Array.from([...varint(data.offset), ...varint(data.size)]) }]));
  const footer = [...varint(metaindex.offset), ...varint(metaindex.size), ...varint(index.offset), ...varint(index.size)];
  while (footer.length < 40) footer.push(0);
  footer.push(0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb);
  return Uint8Array.from([...out, ...footer]);
}

function encode(typeName: string, message: Record<string, unknown>): Uint8Array {
  const type = tensorflowProtos().lookupType(typeName);
  return type.encode(type.fromObject(message)).finish();
}

const HEADER = { key: '', value: encode('tensorflow.BundleHeaderProto', { num_shards: 1, endianness: 0, version: { producer: 1 } }) };
const floatEntry = (fields: Record<string, unknown>) =>
  encode('tensorflow.BundleEntryProto', { dtype: 1, shape: { dim: [{ size: 2 }] }, shard_id: 0, offset: 0, size: 8, ...fields });
const LIMITS = resolveLimits();

describe('crc32c', () => {
  it('matches the published check value and LevelDB mask', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(maskCrc32c(0)).toBe(0xa282ead8);
  });
});

describe('hand-made tables', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function writeBundle(name: string, entries: { key: string; value: Uint8Array }[], data: Uint8Array, compress = false): Promise<string> {
    const prefix = join(dir, name);
    await writeFile(`${prefix}.index`, writeTable(entries, compress));
    await writeFile(shardPath(prefix, 0, 1), data);
    return prefix;
  }
  const twoFloats = new Uint8Array(new Float32Array([1.5, -2]).buffer);
  const goodEntry = floatEntry({ crc32c: maskCrc32c(crc32c(twoFloats)) });

  it('reads a snappy-compressed index the same as a plain one', async () => {
    for (const compress of [false, true]) {
      const prefix = await writeBundle(`ok-${compress}`, [HEADER, { key: 'w', value: goodEntry }], twoFloats, compress);
      const index = await readBundleIndex(prefix, LIMITS);
      const tensors = await readBundleTensors(index, LIMITS);
      expect(tensors.get('w')).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1.5, -2]) });
    }
  });

  it('BUNDLE_ENTRY_OUT_OF_RANGE for an entry pointing past the data', async () => {
    const prefix = await writeBundle('past', [HEADER, { key: 'w', value: floatEntry({ offset: 4 }) }], twoFloats);
    await expect(readBundleTensors(await readBundleIndex(prefix, LIMITS), LIMITS)).rejects.toMatchObject({
      code: 'BUNDLE_ENTRY_OUT_OF_RANGE',
      message: expect.stringContaining('[4, 12) expected inside the 8-byte shard'),
    });
  });

  it('BUNDLE_ENTRY_OUT_OF_RANGE for a shard id past num_shards', async () => {
    const prefix = await writeBundle('shard', [HEADER, { key: 'w', value: floatEntry({ shard_id: 3 }) }], twoFloats);
    await expect(readBundleIndex(prefix, LIMITS)).rejects.toMatchObject({ code: 'BUNDLE_ENTRY_OUT_OF_RANGE' });
  });

  it('TENSOR_TOO_LARGE for a declared shape past the limit, before reading anything', async () => {
    const huge = floatEntry({ shape: { dim: [{ size: 1_000_000 }, { size: 1_000_000 }] }, size: 4e12 });
    const prefix = await writeBundle('huge', [HEADER, { key: 'w', value: huge }], twoFloats);
    await expect(readBundleTensors(await readBundleIndex(prefix, LIMITS), LIMITS)).rejects.toMatchObject({ code: 'TENSOR_TOO_LARGE' });
  });

  it('BUNDLE_ENTRY_SIZE_MISMATCH when the size disagrees with dtype × shape', async () => {
    const prefix = await writeBundle('size', [HEADER, { key: 'w', value: floatEntry({ size: 6 }) }], twoFloats);
    await expect(readBundleTensors(await readBundleIndex(prefix, LIMITS), LIMITS)).rejects.toMatchObject({ code: 'BUNDLE_ENTRY_SIZE_MISMATCH' });
  });

  it('PROTOBUF_INVALID for an entry whose length prefix lies', async () => {
    const prefix = await writeBundle('lying', [HEADER, { key: 'w', value: Uint8Array.of(0x12, 0xff, 0x01, 0x08) }], twoFloats);
    await expect(readBundleIndex(prefix, LIMITS)).rejects.toMatchObject({ code: 'PROTOBUF_INVALID', message: expect.stringContaining('entry "w"') });
  });

  it('BUNDLE_HEADER_MISSING without the "" key', async () => {
    const prefix = await writeBundle('headless', [{ key: 'w', value: goodEntry }], twoFloats);
    await expect(readBundleIndex(prefix, LIMITS)).rejects.toMatchObject({ code: 'BUNDLE_HEADER_MISSING' });
  });

  it('BUNDLE_UNSUPPORTED_DTYPE for DT_RESOURCE', async () => {
    const prefix = await writeBundle('resource', [HEADER, { key: 'w', value: floatEntry({ dtype: 20 }) }], twoFloats);
    await expect(readBundleTensors(await readBundleIndex(prefix, LIMITS), LIMITS)).rejects.toMatchObject({ code: 'BUNDLE_UNSUPPORTED_DTYPE' });
  });

  it('SSTABLE_HANDLE_OUT_OF_RANGE for an index handle past the file', () => {
    const table = writeTable([HEADER]);
    const footer = [...varint(0), ...varint(0), ...varint(1 << 30), ...varint(16)];
    table.set([...footer, ...new Array<number>(40 - footer.length).fill(0)], table.length - 48);
    expect(() => readTable(table, 'x.index')).toThrow(expect.objectContaining({ code: 'SSTABLE_HANDLE_OUT_OF_RANGE' }));
  });

  it('bounded work on a varint that never ends', () => {
    const table = writeTable([HEADER]);
    table.fill(0xff, table.length - 48, table.length - 8);
    expect(() => readTable(table, 'x.index')).toThrow(expect.objectContaining({ code: 'SSTABLE_INVALID' }));
  });
});

describe.skipIf(!HAS_PYTHON)('tensor bundle written by tf.train.Checkpoint', { timeout: 120_000 }, () => {
  let dir = '';
  let truth: Truth = {};
  let prefix = '';
  beforeAll(async () => {
    dir = await makeTempDir();
    truth = JSON.parse(await runPython(WRITE_EVERY_DTYPE, dir)) as Truth;
    prefix = join(dir, 'bundle', 'ckpt');
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('every dtype bit-identical to tf.train.load_checkpoint', async () => {
    const index = await readBundleIndex(prefix, LIMITS);
    const tensors = await readBundleTensors(index, LIMITS, (key) => key !== '_CHECKPOINTABLE_OBJECT_GRAPH');
    const received = Object.fromEntries([...tensors].map(([key, tensor]) => [key, { dtype: tensor.dtype, shape: tensor.shape, sha256: hashTensor(tensor) }]));
    expect(received).toEqual(truth);
    expect(tensors.get('words/.ATTRIBUTES/VARIABLE_VALUE')?.data).toEqual(['ab', '', 'café', 'x'.repeat(300)]);
    expect(tensors.get('u64/.ATTRIBUTES/VARIABLE_VALUE')?.data).toEqual(new BigUint64Array([2n ** 64n - 1n]));
  });

  async function copyBundle(name: string): Promise<string> {
    const target = join(dir, name);
    await mkdir(target, { recursive: true });
    await copyFile(`${prefix}.index`, join(target, 'ckpt.index'));
    await copyFile(shardPath(prefix, 0, 1), shardPath(join(target, 'ckpt'), 0, 1));
    return join(target, 'ckpt');
  }

  it('BUNDLE_CRC_MISMATCH when a data byte flips', async () => {
    const copy = await copyBundle('flipped');
    const index = await readBundleIndex(copy, LIMITS);
    const entry = index.entries.find((candidate) => candidate.key === 'f64/.ATTRIBUTES/VARIABLE_VALUE')!;
    const data = await readFile(shardPath(copy, 0, 1));
    data[entry.offset + 3]! ^= 0x40;
    await writeFile(shardPath(copy, 0, 1), data);
    await expect(readBundleTensors(index, LIMITS)).rejects.toMatchObject({
      code: 'BUNDLE_CRC_MISMATCH',
      message: expect.stringContaining('f64/.ATTRIBUTES/VARIABLE_VALUE'),
    });
  });

  it('BUNDLE_ENTRY_OUT_OF_RANGE when the data file is truncated', async () => {
    const copy = await copyBundle('truncated');
    await truncate(shardPath(copy, 0, 1), 10);
    await expect(readBundleTensors(await readBundleIndex(copy, LIMITS), LIMITS)).rejects.toMatchObject({ code: 'BUNDLE_ENTRY_OUT_OF_RANGE' });
  });

  it('BUNDLE_SHARD_MISSING without the data file', async () => {
    const copy = await copyBundle('no-data');
    await rm(shardPath(copy, 0, 1));
    await expect(readBundleTensors(await readBundleIndex(copy, LIMITS), LIMITS)).rejects.toMatchObject({ code: 'BUNDLE_SHARD_MISSING' });
  });

  it('SSTABLE_BAD_MAGIC, SSTABLE_CRC_MISMATCH and SSTABLE_TRUNCATED for a damaged index', async () => {
    const index = await readFile(`${prefix}.index`);
    const badMagic = Uint8Array.from(index);
    badMagic[badMagic.length - 1]! ^= 0xff;
    expect(hasTableMagic(badMagic)).toBe(false);
    expect(() => readTable(badMagic, 'x.index')).toThrow(expect.objectContaining({ code: 'SSTABLE_BAD_MAGIC' }));
    const badBlock = Uint8Array.from(index);
    badBlock[3]! ^= 0x01;
    expect(() => readTable(badBlock, 'x.index')).toThrow(expect.objectContaining({ code: 'SSTABLE_CRC_MISMATCH' }));
    expect(() => readTable(index.subarray(0, 20), 'x.index')).toThrow(expect.objectContaining({ code: 'SSTABLE_TRUNCATED' }));
  });

  it('TENSOR_TOO_LARGE under a small maxTensorBytes', async () => {
    const limits = resolveLimits({ maxTensorBytes: 16 });
    await expect(readBundleTensors(await readBundleIndex(prefix, limits), limits)).rejects.toMatchObject({ code: 'TENSOR_TOO_LARGE' });
  });
});

describe('tensorflowDtypeName', () => {
  it('names enum values as tf.as_dtype(...).name does', () => {
    expect(['DT_FLOAT', 'DT_DOUBLE', 'DT_HALF', 'DT_BFLOAT16', 'DT_INT64', 'DT_STRING', 'DT_RESOURCE', 'DT_FLOAT_REF'].map(tensorflowDtypeName)).toEqual([
      'float32',
      'float64',
      'float16',
      'bfloat16',
      'int64',
      'string',
      'resource',
      'float32_ref',
    ]);
  });
});
