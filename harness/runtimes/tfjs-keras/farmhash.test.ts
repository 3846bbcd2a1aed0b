import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT, findEnvironment, venvPython } from '../../environments.ts';
import { hashBucketFast, hashBucketStrong } from './farmhash.ts';

const python = venvPython(findEnvironment(DEFAULT_ENVIRONMENT));

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

describe.skipIf(!existsSync(python))(`FarmHash64 and SipHash buckets (skipped: no Python at ${python})`, () => {
  it('hashBucketFast gives the bucket tf.strings.to_hash_bucket_fast gives, for every length branch', async () => {
    const script =
      'import json, os, sys; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"; import tensorflow as tf; ' +
      'words = json.loads(sys.stdin.read()); print(json.dumps(tf.strings.to_hash_bucket_fast(words, 1000003).numpy().tolist()))';
    const { stdout } = await execa(python, ['-c', script], { input: JSON.stringify(WORDS) });
    const expected = JSON.parse(stdout.trim().split('\n').at(-1)!) as number[];
    expect(WORDS.map((word) => hashBucketFast(word, 1000003))).toEqual(expected);
  });

  it('hashBucketStrong gives the bucket tf.strings.to_hash_bucket_strong gives under a key', async () => {
    const script =
      'import json, os, sys; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"; import tensorflow as tf; ' +
      'words = json.loads(sys.stdin.read()); print(json.dumps(tf.strings.to_hash_bucket_strong(words, 1000003, key=[7, 2**52 + 5]).numpy().tolist()))';
    const { stdout } = await execa(python, ['-c', script], { input: JSON.stringify(WORDS) });
    const expected = JSON.parse(stdout.trim().split('\n').at(-1)!) as number[];
    expect(WORDS.map((word) => hashBucketStrong(word, 1000003, [7, 2 ** 52 + 5]))).toEqual(expected);
  });
});
