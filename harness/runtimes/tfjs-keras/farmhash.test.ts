import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HAS_PYTHON, PYTHON, runPython } from '../../formats/test-support.ts';
import { hashBucketFast, hashBucketStrong } from './farmhash.ts';

/** One string for every length branch of farmhashna::Hash64 (0, 1–3, 4–7, 8–16, 17–32, 33–64, > 64 with and without a ragged tail), and UTF-8. */
const WORDS = [
  '',
  'a',
  'abc',
  'abcd',
  '-5',
  '123',
  'abcdefgh',
  'x'.repeat(16),
  'y'.repeat(17),
  'w'.repeat(32),
  'e'.repeat(33),
  't'.repeat(64),
  'u'.repeat(65),
  'o'.repeat(128),
  Array.from({ length: 300 }, (_, index) => String.fromCharCode(65 + (index % 50))).join(''),
  'héllo wörld',
];

/** What the Python expression `bucket` gives for `words` = WORDS, from TensorFlow. */
async function pythonBuckets(bucket: string): Promise<number[]> {
  const script = `import json, tensorflow as tf\nwords = json.loads(${JSON.stringify(JSON.stringify(WORDS))})\nprint(json.dumps((${bucket}).numpy().tolist()))`;
  return JSON.parse((await runPython(script, tmpdir())).trim().split('\n').at(-1)!) as number[];
}

describe.skipIf(!HAS_PYTHON)(`FarmHash64 and SipHash buckets (skipped: no Python at ${PYTHON})`, () => {
  it('hashBucketFast gives the bucket tf.strings.to_hash_bucket_fast gives, for every length branch', async () => {
    const expected = await pythonBuckets('tf.strings.to_hash_bucket_fast(words, 1000003)');
    expect(WORDS.map((word) => hashBucketFast(word, 1000003))).toEqual(expected);
  });

  it('hashBucketStrong gives the bucket tf.strings.to_hash_bucket_strong gives under a key', async () => {
    const expected = await pythonBuckets('tf.strings.to_hash_bucket_strong(words, 1000003, key=[7, 2**52 + 5])');
    expect(WORDS.map((word) => hashBucketStrong(word, 1000003, [7, 2 ** 52 + 5]))).toEqual(expected);
  });
});
