import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { FormatName } from '../cases/types.ts';
import { GoldenError } from '../errors.ts';
import { type NpyReadOptions, readNpy } from '../formats/npy.ts';
import { cachedObjectDirectory, goldenRootOf, isArtifactCache } from './cache.ts';
import type { DType, Tensor } from '../tensor.ts';
import type { SignatureSpec } from '../formats/types.ts';

/** One reference array on disk (DEVELOPERS.md, "Golden layout"). */
export interface GoldenArray {
  name: string;
  file: string;
  dtype: DType;
  shape: number[];
  /** Present when .npy cannot hold the dtype plainly (bfloat16 → uint16, string → fixed-width bytes). */
  storage?: string;
}

export type { SignatureSpec, SignatureTensor } from '../formats/types.ts';

/** sha256 and size of one file, path relative to its folder. */
export interface GoldenFileRecord {
  path: string;
  sha256: string;
  size: number;
}

export interface GoldenArtifact {
  format: FormatName;
  /** Relative to the case folder. */
  path: string;
  producer: string;
  files: GoldenFileRecord[];
  signatures?: Record<string, SignatureSpec>;
  /** Artifact input name → case input name. */
  inputMap?: Record<string, string>;
  /** Artifact output name → reference output name. */
  outputMap?: Record<string, string>;
  [extra: string]: unknown;
}

export interface PythonCheck {
  format: FormatName;
  check: string;
  status: 'pass' | 'fail' | 'error';
  message?: string;
  maxAbsDiff?: number | null;
}

/** `golden/<env>/<case>/manifest.json`, schemaVersion 1. */
export interface GoldenManifest {
  schemaVersion: 1;
  case: string;
  environment: string;
  inputHash: string;
  seed: number;
  versions: Record<string, string | null>;
  inputs: GoldenArray[];
  outputs: GoldenArray[];
  artifacts: GoldenArtifact[];
  pythonChecks: PythonCheck[];
  generateErrors: { format?: FormatName; type: string; message: string }[];
  /**
   * Every file of the case folder but manifest.json (inputs, outputs, artifacts, truth, case.json), written last by
   * the generator; checked before any verdict (golden-integrity.ts). Absent in manifests of older generators.
   */
  files?: GoldenFileRecord[];
}

/** Code of the error when a reference array's `.npy` does not hold the dtype and shape its manifest entry declares. */
export const GOLDEN_ARRAY_MISMATCH = 'GOLDEN_ARRAY_MISMATCH';

/**
 * Read one reference array, refusing a file whose dtype or shape is not what the manifest declares: a verdict is
 * computed against the bytes, and the bytes and their declaration must agree (a float64 `.npy` declared float32, or
 * the reverse, is neither).
 */
export async function readGoldenArray(caseDirectory: string, array: GoldenArray, options: Pick<NpyReadOptions, 'allocate'> = {}): Promise<Tensor> {
  const file = path.join(caseDirectory, array.file);
  const tensor = await readNpy(file, { ...options, ...(array.storage ? { trueDtype: array.dtype } : {}) });
  const problems = [
    ...(tensor.dtype === array.dtype ? [] : [`dtype ${tensor.dtype}, the manifest declares ${array.dtype}`]),
    ...(JSON.stringify(tensor.shape) === JSON.stringify(array.shape)
      ? []
      : [`shape ${JSON.stringify(tensor.shape)}, the manifest declares ${JSON.stringify(array.shape)}`]),
  ];
  if (problems.length > 0)
    throw new GoldenError(GOLDEN_ARRAY_MISMATCH, `${file}: reference "${array.name}" holds ${problems.join('; ')}`, { file, phase: 'read' });
  return tensor;
}

/** `root` defaults to the environment's own golden root (goldenRootOf: golden/ or the artifact cache). */
export function goldenCaseDirectory(environment: string, caseId: string, root: string = goldenRootOf(environment)): string {
  return path.join(root, environment, caseId);
}

/** Read a case's manifest; a missing or unreadable one is a typed error naming the command that fixes it. */
export async function readGoldenManifest(environment: string, caseId: string, root: string = goldenRootOf(environment)): Promise<GoldenManifest> {
  const file = path.join(goldenCaseDirectory(environment, caseId, root), 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new GoldenError(
      'GOLDEN_MISSING',
      `${file}: no golden data for case "${caseId}" in ${environment}; run: npx keras-roundtrip generate --env ${environment} --case ${caseId}`,
      { file, phase: 'read', cause: error },
    );
  }
  try {
    const manifest = JSON.parse(text) as GoldenManifest;
    if (manifest.schemaVersion !== 1) throw new Error(`schemaVersion: expected 1, received ${JSON.stringify(manifest.schemaVersion)}`);
    return manifest;
  } catch (error) {
    throw new GoldenError(
      'GOLDEN_CORRUPT',
      `${file}: ${(error as Error).message}; run: npx keras-roundtrip generate --env ${environment} --case ${caseId} --force`,
      { file, phase: 'read', cause: error },
    );
  }
}

/** A fresh temporary folder beside the golden folder, so the final rename stays on one file system. */
export async function createStagingDirectory(environment: string, caseId: string, root: string = goldenRootOf(environment)): Promise<string> {
  const parent = path.join(root, environment);
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, `.tmp-${caseId}-`));
}

/**
 * Swap a finished staging folder into place whole: the old folder is moved aside, then removed. In the artifact
 * cache the folder becomes the object of its input hash and the case's path a symlink to it.
 */
export async function swapIntoGolden(
  staging: string,
  environment: string,
  caseId: string,
  root: string = goldenRootOf(environment),
  inputHash?: string,
): Promise<void> {
  const target = goldenCaseDirectory(environment, caseId, root);
  if (isArtifactCache(root) && inputHash) {
    const object = cachedObjectDirectory(root, inputHash);
    await mkdir(path.dirname(object), { recursive: true });
    await rm(object, { recursive: true, force: true });
    await rename(staging, object);
    await linkCachedCase(environment, caseId, root, inputHash);
    return;
  }
  const aside = path.join(path.dirname(target), `.old-${caseId}-${process.pid}`);
  if (existsSync(target)) await rename(target, aside);
  try {
    await rename(staging, target);
  } catch (error) {
    if (existsSync(aside)) await rename(aside, target);
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * Point `<root>/<env>/<case>` at the cached object of `inputHash` when one exists (an environment going back to
 * inputs it had before is not regenerated). Returns whether it did.
 */
export async function linkCachedCase(environment: string, caseId: string, root: string, inputHash: string): Promise<boolean> {
  const object = cachedObjectDirectory(root, inputHash);
  if (!isArtifactCache(root) || !existsSync(path.join(object, 'manifest.json'))) return false;
  const target = goldenCaseDirectory(environment, caseId, root);
  await mkdir(path.dirname(target), { recursive: true });
  const link = `${target}.link-${process.pid}`;
  await rm(link, { force: true });
  await symlink(path.relative(path.dirname(target), object), link);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !existing.isSymbolicLink()) await rm(target, { recursive: true, force: true });
  await rename(link, target);
  return true;
}
