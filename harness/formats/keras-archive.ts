/** Keras 3 `.keras` archives: a zip of config.json, metadata.json, model.weights.h5 and assets/. */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { FormatError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { type Hdf5File, withHdf5File, withHdf5Range } from './hdf5.ts';
import { parseBoundedJson } from './json.ts';
import { kerasDeclaredInputs } from './declared-inputs.ts';
import { parseNpy } from './npy.ts';
import { compareConfig, compareWeights, json, shortHash } from './truth.ts';
import { resolveLimits, type ArtifactContents, type ArtifactReader, type ReaderLimits, type ReadOptions } from './types.ts';
import { hasZipMagic, ZipArchive } from './zip.ts';

const CONFIG_ENTRY = 'config.json';
const METADATA_ENTRY = 'metadata.json';
const WEIGHTS_H5_ENTRY = 'model.weights.h5';
const WEIGHTS_NPZ_ENTRY = 'model.weights.npz';
const ASSETS_PREFIX = 'assets/';

/**
 * Read a `.keras` archive. Returns `null` for a zip that holds no Keras entries and is not named `.keras`.
 * Weights are keyed by their dataset path inside model.weights.h5 (`/layers/dense/vars/0`).
 */
export async function readKerasArchive(path: string, options: ReadOptions = {}): Promise<ArtifactContents | null> {
  const limits = resolveLimits(options.limits);
  return ZipArchive.withFile(path, limits, (archive) => readOpenArchive(archive, path, limits));
}

async function readOpenArchive(archive: ZipArchive, path: string, limits: ReaderLimits): Promise<ArtifactContents | null> {
  const hasKerasEntries = [CONFIG_ENTRY, WEIGHTS_H5_ENTRY, WEIGHTS_NPZ_ENTRY].some((name) => archive.entries.has(name));
  if (!hasKerasEntries) {
    if (extname(path).toLowerCase() !== '.keras') return null;
    throw new FormatError(
      'KERAS_CONFIG_MISSING',
      `${path}: a .keras archive without ${CONFIG_ENTRY}; entries are [${[...archive.entries.keys()].join(', ')}]`,
      { file: path },
    );
  }
  if (!archive.entries.has(CONFIG_ENTRY)) throw new FormatError('KERAS_CONFIG_MISSING', `${path}: no ${CONFIG_ENTRY} in the archive`, { file: path });

  const config = await parseJsonEntry(archive, CONFIG_ENTRY, limits);
  const metadata = archive.entries.has(METADATA_ENTRY) ? await parseJsonEntry(archive, METADATA_ENTRY, limits) : {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new FormatError('KERAS_METADATA_INVALID', `${path}: ${METADATA_ENTRY} holds ${JSON.stringify(metadata)}; expected a JSON object`, { file: path });
  }
  const kerasVersion = (metadata as Record<string, unknown>)['keras_version'];

  const assets = new Map<string, Uint8Array>();
  for (const entry of archive.entries.values()) {
    if (entry.name.startsWith(ASSETS_PREFIX) && !entry.isDirectory) assets.set(entry.name, await archive.read(entry.name));
  }

  return {
    format: 'keras',
    ...(typeof kerasVersion === 'string' ? { producer: { name: 'keras', version: kerasVersion } } : {}),
    config,
    metadata: { ...(metadata as Record<string, unknown>), archiveEntries: [...archive.entries.keys()] },
    weights: await readWeights(archive, path, limits),
    assets,
  };
}

async function readWeights(archive: ZipArchive, path: string, limits: ReaderLimits): Promise<Map<string, Tensor>> {
  if (archive.entries.has(WEIGHTS_H5_ENTRY)) {
    const label = `${path}!${WEIGHTS_H5_ENTRY}`;
    const readAll = async (h5: Hdf5File): Promise<Map<string, Tensor>> => {
      const weights = new Map<string, Tensor>();
      for (const datasetPath of h5.datasetPaths('/')) weights.set(datasetPath, await h5.readDataset(datasetPath, limits));
      return weights;
    };
    // Keras stores the member uncompressed: HDF5 then reads it straight from the archive file, never held whole.
    const stored = await archive.storedRange(WEIGHTS_H5_ENTRY);
    if (stored) return withHdf5Range(stored.path, stored.offset, stored.length, readAll, label, limits);
    // Deflated, or an archive in memory: the inflated member becomes the in-memory HDF5 file itself.
    return withHdf5File(await archive.read(WEIGHTS_H5_ENTRY), label, readAll, limits);
  }
  if (archive.entries.has(WEIGHTS_NPZ_ENTRY)) return readNpzWeights(archive, path, limits);
  // A model without variables (e.g. only Reshape layers) still gets an empty weights file from Keras; its absence is odd but not an error.
  return new Map();
}

/**
 * `model.weights.npz` (`saving_lib` NpzIOStore): one `.npy` member per object path. Plain numeric members are read as
 * `<member>` (without `.npy`); Keras 3 writes each member as a pickled object array of `{index: array}`, and
 * unpickling runs arbitrary code, so those are refused with KERAS_WEIGHTS_NPZ_PICKLED.
 */
async function readNpzWeights(archive: ZipArchive, path: string, limits: ReaderLimits): Promise<Map<string, Tensor>> {
  const label = `${path}!${WEIGHTS_NPZ_ENTRY}`;
  const npz = await ZipArchive.open(await archive.read(WEIGHTS_NPZ_ENTRY), label, limits);
  const weights = new Map<string, Tensor>();
  for (const entry of npz.entries.values()) {
    if (entry.isDirectory) continue;
    const bytes = await npz.read(entry.name);
    const descr = /'descr'\s*:\s*'([^']*)'/.exec(new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.byteLength, 4096))))?.[1];
    if (descr === '|O' || descr === 'O') {
      throw new FormatError(
        'KERAS_WEIGHTS_NPZ_PICKLED',
        `${label}: member ${entry.name} is a pickled object array (dtype ${descr}); expected a plain numeric array. Reading it would mean unpickling, which ` +
          `can run arbitrary code, so it is refused; re-save with weights_format="h5"`,
        { file: path, details: { member: entry.name, descr } },
      );
    }
    weights.set(entry.name.replace(/\.npy$/, ''), parseNpy(bytes, `${label}!${entry.name}`, { limits }));
  }
  return weights;
}

async function parseJsonEntry(archive: ZipArchive, name: string, limits: ReaderLimits): Promise<unknown> {
  const declared = archive.entries.get(name)!.uncompressedSize;
  if (declared > limits.maxJsonBytes) {
    throw new FormatError('JSON_TOO_LARGE', `${archive.file}: ${name} declares ${declared} bytes; limit is ${limits.maxJsonBytes} (maxJsonBytes)`, {
      file: archive.file,
      details: { declaredBytes: declared, limit: limits.maxJsonBytes },
    });
  }
  return parseBoundedJson(new TextDecoder().decode(await archive.read(name)), archive.file, name, limits, 'KERAS_JSON_INVALID');
}

/** `metadata.json` of a `.keras` archive (null when the archive has none; the reader then reports `{}`). */
function compareKerasMetadata(expected: unknown, contents: ArtifactContents): string[] {
  const { archiveEntries: _entries, ...received } = contents.metadata;
  return isDeepStrictEqual(received, expected ?? {}) ? [] : [`metadata.json: expected ${json(expected)}, received ${json(received)}`];
}

/** Archive entries, in the central directory's order. */
function compareArchiveEntries(expected: unknown, contents: ArtifactContents): string[] {
  const received = contents.metadata['archiveEntries'];
  return isDeepStrictEqual(received, expected) ? [] : [`archive entries: expected ${json(expected)}, received ${json(received)}`];
}

function compareWeightsFile(expected: unknown, contents: ArtifactContents): string[] {
  const entries = (contents.metadata['archiveEntries'] ?? []) as unknown[];
  return entries.includes(expected) ? [] : [`weights entry ${json(expected)}: not in the archive the reader opened (entries ${json(entries)})`];
}

/** Every `assets/…` member: the same names, and each one's bytes. */
function compareAssets(expected: unknown, contents: ArtifactContents): string[] {
  const assets = expected as Record<string, { sha256: string; size: number }>;
  const problems: string[] = [];
  for (const [name, asset] of Object.entries(assets)) {
    const bytes = contents.assets.get(name);
    if (!bytes) {
      problems.push(`${name}: asset missing (expected ${asset.size} bytes)`);
      continue;
    }
    const received = createHash('sha256').update(bytes).digest('hex');
    if (received !== asset.sha256 || bytes.length !== asset.size) {
      const wanted = `sha256 ${shortHash(asset.sha256)}, ${asset.size} bytes`;
      problems.push(`${name}: asset bytes differ (expected ${wanted}; received ${shortHash(received)}, ${bytes.length} bytes)`);
    }
  }
  for (const name of contents.assets.keys()) if (!(name in assets)) problems.push(`${name}: extra asset the truth does not list`);
  return problems;
}

export const kerasArchiveReader: ArtifactReader = {
  name: 'keras-archive',
  format: 'keras',
  extensions: ['.keras'],
  sniff: (_path, head) => hasZipMagic(head),
  read: readKerasArchive,
  truth: {
    weights: compareWeights,
    config: compareConfig,
    metadata: compareKerasMetadata,
    entries: compareArchiveEntries,
    weightsFile: compareWeightsFile,
    assets: compareAssets,
  },
  declaredInputs: (contents) => kerasDeclaredInputs(contents.config),
};
