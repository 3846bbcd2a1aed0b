import { describe, expect, it } from 'vitest';
import { parseShard, selectShard, shardOf } from './shard.ts';

describe('--shard', () => {
  it('parses i/n and rejects the rest with SHARD_INVALID', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1', '']) expect(() => parseShard(bad)).toThrow(expect.objectContaining({ code: 'SHARD_INVALID' }));
  });

  it('splits by a stable hash of the case id: every case in exactly one shard, independent of the others', () => {
    const cases = Array.from({ length: 60 }, (_, index) => ({ id: `case-${index}` }));
    const shards = [1, 2, 3].map((index) => selectShard(cases, { index, count: 3 }).map((spec) => spec.id));
    expect(shards.flat().sort()).toEqual(cases.map((spec) => spec.id).sort());
    for (const shard of shards) expect(shard.length).toBeGreaterThan(5);
    // Pinned, so a change of the hash (which would move cases between CI jobs) is noticed.
    expect(shardOf('dense-mlp', 4)).toBe(3);
    expect(selectShard(cases.slice(1), { index: shardOf('case-5', 3), count: 3 }).map((spec) => spec.id)).toContain('case-5');
    expect(selectShard(cases, undefined)).toHaveLength(60);
  });
});
