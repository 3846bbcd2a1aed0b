/**
 * The truth sections every format shares (`weights`, `config`) and the helpers format-specific sections use; each
 * format's own sections sit in its file (`ArtifactReader.truth`).
 */
import { isDeepStrictEqual } from 'node:util';
import { hashTensor } from './tensor-hash.ts';
import type { ArtifactContents, TensorTruth } from './types.ts';

export const shortHash = (hash: string): string => `${hash.slice(0, 12)}…`;
export const json = (value: unknown): string => JSON.stringify(value);

/** Every tensor the truth lists, bit-identical (dtype, shape, bytes), and no tensor it does not list. */
export function compareWeights(expected: unknown, contents: ArtifactContents): string[] {
  const weights = expected as Record<string, TensorTruth>;
  const problems: string[] = [];
  for (const [key, tensorTruth] of Object.entries(weights)) problems.push(...compareTensor(key, tensorTruth, contents));
  for (const key of contents.weights.keys()) if (!(key in weights)) problems.push(`${key}: extra tensor the truth does not list`);
  return problems;
}

export function compareTensor(key: string, expected: TensorTruth, contents: ArtifactContents): string[] {
  const tensor = contents.weights.get(key);
  if (!tensor) return [`${key}: missing (expected ${expected.dtype}${json(expected.shape)})`];
  if (tensor.dtype !== expected.dtype || !isDeepStrictEqual(tensor.shape, expected.shape)) {
    return [`${key}: expected ${expected.dtype}${json(expected.shape)}, received ${tensor.dtype}${json(tensor.shape)}`];
  }
  const received = hashTensor(tensor);
  return received === expected.sha256 ? [] : [`${key}: bytes differ (sha256 expected ${shortHash(expected.sha256)}, received ${shortHash(received)})`];
}

export function compareConfig(expected: unknown, contents: ArtifactContents): string[] {
  return isDeepStrictEqual(contents.config, expected) ? [] : ['config: differs from the config Python decoded'];
}

/** Signature defs as the reader lists them under `metadata.signatures` (SavedModel, TFLite). */
export function compareSignatures(expected: unknown, contents: ArtifactContents): string[] {
  return isDeepStrictEqual(contents.metadata['signatures'], expected) ? [] : ['signatures: differ from the signature defs Python decoded'];
}
