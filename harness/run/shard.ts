import { createHash } from 'node:crypto';
import { RoundtripError } from '../errors.ts';

/** One slice of the catalogue: shard `index` (1-based) of `count`, as `--shard index/count` names it. */
export interface Shard {
  index: number;
  count: number;
}

/** Parse `i/n` (1 ≤ i ≤ n), as vitest's --shard does. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new RoundtripError('SHARD_INVALID', `--shard: expected <index>/<count> with 1 ≤ index ≤ count (like 2/4), received "${text}"`);
  }
  return { index, count };
}

/**
 * The shard (1-based) a case id belongs to: the first 4 bytes of sha256(id) as a big-endian integer, mod `count`,
 * plus one. Depends on the id alone, so adding or removing a case never moves another case between shards.
 */
export function shardOf(caseId: string, count: number): number {
  return (createHash('sha256').update(caseId, 'utf8').digest().readUInt32BE(0) % count) + 1;
}

/** The items (cases, by `id`) that belong to `shard`; every item when no shard is given. */
export function selectShard<T extends { id: string }>(items: readonly T[], shard: Shard | undefined): T[] {
  return shard ? items.filter((item) => shardOf(item.id, shard.count) === shard.index) : [...items];
}
