/**
 * A runtime request for one artifact of a committed golden case, its inputs read from the case's reference inputs
 * under the names the artifact records (or the reference names): what a test needs to run a real model through a
 * runtime outside a check.
 */
import path from 'node:path';
import { DEFAULT_ENVIRONMENT } from '../environments.ts';
import { byReferenceName } from '../formats/artifact-runs.ts';
import { readNpy } from '../formats/npy.ts';
import { type GoldenManifest, goldenCaseDirectory, readGoldenManifest } from '../generator/golden.ts';
import type { FormatName, RuntimeName } from '../cases/types.ts';
import type { RunRequest } from '../runtimes/types.ts';
import type { Tensor } from '../tensor.ts';

export async function goldenRunRequest(
  caseId: string,
  format: FormatName,
  runtime: RuntimeName,
  environment = DEFAULT_ENVIRONMENT,
): Promise<{ request: RunRequest; manifest: GoldenManifest; directory: string }> {
  const directory = goldenCaseDirectory(environment, caseId);
  const manifest = await readGoldenManifest(environment, caseId);
  const artifact = manifest.artifacts.find((entry) => entry.format === format);
  if (!artifact) throw new Error(`${environment}/${caseId} has no ${format} artifact`);
  const inputMap = artifact.inputMap ?? byReferenceName({ inputs: manifest.inputs.map((input) => input.name), outputs: [] });
  const inputs: Record<string, Tensor> = {};
  for (const [name, referenceName] of Object.entries(inputMap)) {
    const reference = manifest.inputs.find((input) => input.name === referenceName);
    if (!reference) throw new Error(`${environment}/${caseId}: ${format} input ${name} names no reference input ${referenceName}`);
    inputs[name] = await readNpy(path.join(directory, reference.file));
  }
  return { request: { runtime, format, artifactPath: path.join(directory, artifact.path), inputs }, manifest, directory };
}
