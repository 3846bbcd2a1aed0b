/**
 * How a runtime runs one artifact, per format: the runs (signatures, sub-models) a check makes and the names each
 * run's inputs and outputs carry. A format's definition picks one of these plans (types.ts `FormatDefinition.runs`).
 */
import type { ArtifactRun, RecordedArtifact, ReferenceNames, RunPlan, SignatureSpec } from './types.ts';

/** The signature a runtime runs when none is named. */
export const DEFAULT_SIGNATURE = 'serving_default';

/** How runtimes without their own output names (tfjs-keras) name outputs: by position. */
export function positionalOutputName(index: number): string {
  return `output_${index}`;
}

export function positionalOutputMap(reference: ReferenceNames): Record<string, string> {
  return Object.fromEntries(reference.outputs.map((output, index) => [positionalOutputName(index), output]));
}

/** Every reference input under its own name. */
export function byReferenceName(reference: ReferenceNames): Record<string, string> {
  return Object.fromEntries(reference.inputs.map((input) => [input, input]));
}

/**
 * One run: the artifact's recorded input names (or the reference names), and its recorded output names; artifacts
 * without recorded names (.keras, .h5) give their outputs by position, in the manifest's order.
 */
export function singleRun(artifact: RecordedArtifact, reference: ReferenceNames): RunPlan {
  const inputMap = artifact.inputMap ?? byReferenceName(reference);
  return { runs: [{ label: '', inputMap, outputMap: artifact.outputMap ?? positionalOutputMap(reference) }] };
}

/**
 * The signatures a check runs: serving_default first, then every other signature taking the same inputs (names
 * and dtypes), e.g. `serve` beside `serving_default` from model.export. Without recorded signatures: serving_default.
 */
export function signaturesToRun(signatures: Readonly<Record<string, SignatureSpec>> | undefined): string[] {
  const reference = signatures?.[DEFAULT_SIGNATURE];
  if (!signatures || !reference) return [DEFAULT_SIGNATURE];
  const inputsKey = (spec: SignatureSpec): string =>
    JSON.stringify(
      Object.entries(spec.inputs)
        .map(([name, tensor]) => [name, tensor.dtype])
        .sort(),
    );
  const others = Object.keys(signatures)
    .filter((name) => name !== DEFAULT_SIGNATURE && inputsKey(signatures[name]!) === inputsKey(reference))
    .sort();
  return [DEFAULT_SIGNATURE, ...others];
}

/**
 * Every signature of {@link signaturesToRun}, each a run that must pass. The manifest's outputMap is serving_default's;
 * another signature with the same output keys shares it, otherwise its outputs map by position (`output_<i>`).
 */
export function signatureRuns(artifact: RecordedArtifact, reference: ReferenceNames): ArtifactRun[] {
  const inputMap = artifact.inputMap ?? byReferenceName(reference);
  const positional = positionalOutputMap(reference);
  const outputKeys = (name: string): string => JSON.stringify(Object.keys(artifact.signatures?.[name]?.outputs ?? {}).sort());
  return signaturesToRun(artifact.signatures).map((signature) => {
    const isDefault = signature === DEFAULT_SIGNATURE;
    const outputMap = !artifact.outputMap ? positional : isDefault || outputKeys(signature) === outputKeys(DEFAULT_SIGNATURE) ? artifact.outputMap : positional;
    return {
      label: isDefault ? '' : ` (signature "${signature}")`,
      ...(isDefault ? {} : { signature, settings: { signature } }),
      inputMap,
      outputMap,
    };
  });
}

/** {@link signatureRuns}, the check's settings naming every signature it ran. */
export function signaturePlan(artifact: RecordedArtifact, reference: ReferenceNames): RunPlan {
  const runs = signatureRuns(artifact, reference);
  return { runs, settings: { signatures: runs.map((run) => run.signature ?? DEFAULT_SIGNATURE).join(', ') } };
}
