/**
 * Sharded Keras 3 weights: `save_weights("model.weights.json", max_shard_size=…)` writes a JSON index
 * `{"metadata": {"total_size": …}, "weight_map": {"/layers/dense/vars": ["model_00000.weights.h5", …]}}` and shard
 * files beside it (keras `saving_lib.ShardedH5IOStore`). Each shard is an ordinary `.weights.h5`.
 */
import { constants, readdirSync, statSync } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { FormatError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { withHdf5Path } from './hdf5.ts';
import { parseBoundedJson } from './json.ts';
import { readWeightsH5Contents } from './keras-weights-h5.ts';
import { compareTensor, compareWeights, json } from './truth.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type ReaderLimits, type ReadOptions, type TensorTruth, type TruthFile } from './types.ts';

const INDEX_SUFFIX = '.weights.json';
/** Far above any real index (one line per variable group); bounds what JSON.parse is handed. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** The index file of `path`: the path itself, or the one `*.weights.json` inside a folder; `null` when neither. */
function findIndex(path: string): string | null {
  try {
    if (!statSync(path).isDirectory()) return basename(path).toLowerCase().endsWith(INDEX_SUFFIX) ? path : null;
    const indexes = readdirSync(path).filter((name) => name.toLowerCase().endsWith(INDEX_SUFFIX));
    return indexes.length === 1 ? join(path, indexes[0]!) : null;
  } catch {
    return null;
  }
}

interface ShardIndex {
  metadata: Record<string, unknown>;
  weightMap: Map<string, string[]>;
}

/** What a shard index must look like, as its errors quote it. */
const INDEX_SHAPE = '{"metadata": {…}, "weight_map": {"<group path>": ["<shard>.weights.h5", …]}}';

function parseIndex(text: string, file: string, limits: ReaderLimits): ShardIndex {
  const invalid = (what: string, cause?: unknown): FormatError =>
    new FormatError('WEIGHTS_SHARD_INDEX_INVALID', `${file}: ${what}; expected ${INDEX_SHAPE}`, {
      file,
      cause,
    });
  const index = parseBoundedJson(text, file, 'the shard index', limits, 'WEIGHTS_SHARD_INDEX_INVALID');
  if (typeof index !== 'object' || index === null || Array.isArray(index)) throw invalid(`holds ${JSON.stringify(index)?.slice(0, 60)}`);
  const { metadata = {}, weight_map: weightMap } = index as Record<string, unknown>;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap))
    throw invalid(`weight_map is ${JSON.stringify(weightMap)?.slice(0, 60)}`);
  const map = new Map<string, string[]>();
  for (const [group, shards] of Object.entries(weightMap)) {
    // ShardedH5IOStore accepts a single name as well as a list.
    const names = typeof shards === 'string' ? [shards] : shards;
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string'))
      throw invalid(`weight_map[${JSON.stringify(group)}] is ${JSON.stringify(shards)}`);
    for (const name of names as string[]) {
      if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..' || name.includes('\0') || /^[a-zA-Z]:/.test(name)) {
        throw new FormatError(
          'WEIGHTS_SHARD_PATH',
          `${file}: weight_map[${JSON.stringify(group)}] names shard ${JSON.stringify(name)}; expected a file name beside the index`,
          { file, details: { shard: name } },
        );
      }
    }
    map.set(group, names as string[]);
  }
  return { metadata: typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {}, weightMap: map };
}

/**
 * Read sharded weights from the index file or the folder holding it. Weights are keyed by dataset path inside their
 * shard (`/layers/dense/vars/0`), merged over shards: each variable lives in exactly one shard.
 */
export async function readKerasWeightsSharded(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const limits = resolveLimits(options.limits);
  const indexPath = findIndex(path);
  if (indexPath === null) return null;
  const indexSize = (await stat(indexPath)).size;
  if (indexSize > MAX_INDEX_BYTES) {
    throw new FormatError('WEIGHTS_SHARD_INDEX_INVALID', `${indexPath}: ${indexSize} bytes; an index is at most ${MAX_INDEX_BYTES}`, { file: indexPath });
  }
  const index = parseIndex(await readFile(indexPath, 'utf8'), indexPath, limits);
  const directory = dirname(indexPath);
  const shardNames = [...new Set([...index.weightMap.values()].flat())];

  const weights = new Map<string, Tensor>();
  const shardOf: Record<string, string> = {};
  for (const shard of shardNames) {
    const shardPath = join(directory, shard);
    try {
      await access(shardPath, constants.R_OK);
    } catch (cause) {
      throw new FormatError(
        'WEIGHTS_SHARD_MISSING',
        `${indexPath}: weight_map names shard ${shard}, but ${shardPath} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
        { file: indexPath, cause },
      );
    }
    const found = await withHdf5Path(shardPath, (h5) => readWeightsH5Contents(h5, limits), shardPath, limits);
    for (const [key, tensor] of found?.weights ?? []) {
      if (weights.has(key)) {
        throw new FormatError(
          'WEIGHTS_SHARD_DUPLICATE',
          `${shardPath}: dataset ${key} is also stored in ${shardOf[key]}; expected each variable in one shard`,
          { file: shardPath },
        );
      }
      const group = posix.dirname(key);
      const listed = index.weightMap.get(group);
      if (listed !== undefined && !listed.includes(shard)) {
        throw new FormatError('WEIGHTS_SHARD_MISMATCH', `${shardPath}: holds ${key}, but the index lists ${group} in [${listed.join(', ')}]`, {
          file: shardPath,
        });
      }
      weights.set(key, tensor);
      shardOf[key] = shard;
    }
  }
  return {
    format: 'weights-sharded',
    metadata: { index: basename(indexPath), indexMetadata: index.metadata, shards: shardNames, shardOf, weightMap: Object.fromEntries(index.weightMap) },
    weights,
    assets: new Map(),
  };
}

/** The index file: its metadata and the weight map (group path → shards). */
function compareShardIndex(expected: unknown, contents: ArtifactContents): string[] {
  const index = expected as { metadata?: unknown; weight_map: unknown };
  const problems: string[] = [];
  if (!isDeepStrictEqual(contents.metadata['indexMetadata'], index.metadata ?? {}))
    problems.push(`index metadata: expected ${json(index.metadata)}, received ${json(contents.metadata['indexMetadata'])}`);
  if (!isDeepStrictEqual(contents.metadata['weightMap'], index.weight_map))
    problems.push(`index weight_map: expected ${json(index.weight_map)}, received ${json(contents.metadata['weightMap'])}`);
  return problems;
}

/** Each shard's datasets: the shard the reader found every tensor in, and the tensor itself. */
function compareShards(expected: unknown, contents: ArtifactContents, truth: TruthFile): string[] {
  const shards = expected as Record<string, Record<string, TensorTruth>>;
  const shardOf = (contents.metadata['shardOf'] ?? {}) as Record<string, string>;
  const problems: string[] = [];
  const names = contents.metadata['shards'];
  if (!isDeepStrictEqual(names, Object.keys(shards))) problems.push(`shards: expected ${json(Object.keys(shards))}, received ${json(names)}`);
  for (const [shard, datasets] of Object.entries(shards)) {
    for (const [key, tensorTruth] of Object.entries(datasets)) {
      if (shardOf[key] !== shard) problems.push(`${key}: expected in shard ${shard}, received ${shardOf[key] ?? 'in no shard'}`);
      // The merged `weights` section already compares tensors it lists; a shard's own copy adds the others.
      if (!(key in truth.weights) || !isDeepStrictEqual(truth.weights[key], tensorTruth)) problems.push(...compareTensor(key, tensorTruth, contents));
    }
  }
  return problems;
}

export const kerasWeightsShardedReader: ArtifactReader = {
  name: 'keras-weights-sharded',
  format: 'weights-sharded',
  extensions: ['.json'],
  sniff: (path) => findIndex(path) !== null,
  read: readKerasWeightsSharded,
  truth: { weights: compareWeights, index: compareShardIndex, shards: compareShards },
};
