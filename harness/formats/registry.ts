/** The one list of artifact readers, and the entry point that picks one by magic bytes and extension. */
import { type FileHandle, open } from 'node:fs/promises';
import { extname } from 'node:path';
import { FormatError } from '../errors.ts';
import { kerasArchiveReader } from './keras-archive.ts';
import { kerasWeightsH5Reader } from './keras-weights-h5.ts';
import { kerasWeightsShardedReader } from './keras-weights-sharded.ts';
import { legacyH5Reader } from './legacy-h5.ts';
import { onnxReader } from './onnx.ts';
import { savedModelReader } from './saved-model.ts';
import { tfCheckpointReader } from './tf-checkpoint.ts';
import { tfjsModelReader } from './tfjs-model.ts';
import { tfliteReader } from './tflite.ts';
import { singleRun } from './artifact-runs.ts';
import { baseFormat, type FormatName } from './definitions.ts';
import type { ArtifactContents, ArtifactReader, ReadOptions, RecordedArtifact, ReferenceNames, RunPlan } from './types.ts';

/** Every reader, in the order they are asked when no extension prefers one. Adding a format: one file, one line. */
export const ARTIFACT_READERS: readonly ArtifactReader[] = [
  kerasArchiveReader,
  legacyH5Reader,
  kerasWeightsH5Reader,
  kerasWeightsShardedReader,
  onnxReader,
  savedModelReader,
  tfCheckpointReader,
  tfjsModelReader,
  tfliteReader,
];

/** The reader (the format's definition) of a format; undefined for a format no TS reader decodes. */
export function readerOfFormat(format: FormatName): ArtifactReader | undefined {
  const base = baseFormat(format); // a variant (tflite-int8, …) is read by its base format's reader
  return ARTIFACT_READERS.find((reader) => reader.format === base);
}

/** The runs a runtime makes of one artifact of `format`: its definition's plan, else one run with the recorded names. */
export function planArtifactRuns(format: FormatName, artifact: RecordedArtifact, reference: ReferenceNames): RunPlan {
  return (readerOfFormat(format)?.planRuns ?? singleRun)(artifact, reference);
}

const HEAD_BYTES = 512;
const HEX_BYTES_QUOTED = 16;

/** The first bytes of a file (fewer if it is shorter; none for a directory). */
async function readHead(path: string): Promise<Uint8Array> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    if ((await handle.stat()).isDirectory()) return new Uint8Array(0);
    const buffer = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } catch (cause) {
    throw new FormatError('FILE_UNREADABLE', `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { file: path, cause });
  } finally {
    await handle?.close();
  }
}

/** Readers whose magic bytes match, those claiming the file's extension first. */
export function candidateReaders(path: string, head: Uint8Array, readers: readonly ArtifactReader[] = ARTIFACT_READERS): ArtifactReader[] {
  const extension = extname(path).toLowerCase();
  const matching = readers.filter((reader) => reader.sniff(path, head));
  return [...matching.filter((reader) => reader.extensions.includes(extension)), ...matching.filter((reader) => !reader.extensions.includes(extension))];
}

/**
 * Read any known artifact. The first reader that answers non-null wins; a reader's {@link FormatError} propagates
 * (the file is its format but broken). When no reader claims the file: `FORMAT_UNKNOWN`.
 */
export async function readArtifact(path: string, options: ReadOptions = {}, readers: readonly ArtifactReader[] = ARTIFACT_READERS): Promise<ArtifactContents> {
  let head: Uint8Array;
  let candidates: ArtifactReader[];
  try {
    head = await readHead(path);
    candidates = candidateReaders(path, head, readers);
  } catch (error) {
    // A path that is no file may still name an artifact by prefix, as tf.train.latest_checkpoint returns `…/cp.ckpt`
    // for cp.ckpt.index and cp.ckpt.data-…; only readers that claim the bare path are asked.
    head = new Uint8Array(0);
    candidates =
      (error as FormatError).code === 'FILE_UNREADABLE' && (error as FormatError & { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT'
        ? candidateReaders(path, head, readers)
        : [];
    if (candidates.length === 0) throw error;
  }
  const tried: string[] = [];
  for (const reader of candidates) {
    tried.push(reader.name);
    const contents = await reader.read(path, options);
    if (contents !== null) return contents;
  }
  const firstBytes = Buffer.from(head.subarray(0, HEX_BYTES_QUOTED)).toString('hex');
  throw new FormatError(
    'FORMAT_UNKNOWN',
    `${path}: no reader claims this file (first bytes ${firstBytes || '(empty)'}; readers that sniffed it and declined: ${tried.join(', ') || 'none'}); ` +
      `expected one of ${readers.map((reader) => `${reader.name} (${reader.extensions.join(' ')})`).join(', ')}`,
    { file: path, details: { firstBytes, declinedBy: tried } },
  );
}
