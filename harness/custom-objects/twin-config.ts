/** Config checks every TS twin makes, so an argument the twin does not implement is reported, never dropped. */
import { unsupported } from '../runtimes/tfjs-keras/errors.ts';
import { computeDtypeOf, type KerasLayerSpec } from '../runtimes/tfjs-keras/keras-config.ts';

const BASE_KEYS = ['name', 'trainable', 'dtype'];

/** Refuse config keys the twin does not know, and compute dtypes other than float32. */
export function checkTwinConfig(spec: KerasLayerSpec, known: readonly string[], twinFile: string): void {
  const allowed = new Set([...BASE_KEYS, ...known]);
  for (const key of Object.keys(spec.config)) {
    if (!allowed.has(key)) unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `not an argument of the TS twin ${twinFile}` });
  }
  const dtype = computeDtypeOf(spec.config);
  if (dtype !== undefined && dtype !== 'float32')
    unsupported({ className: spec.className, layer: spec.name, argument: 'dtype', reason: `compute dtype ${dtype}; tfjs layers compute in float32 only` });
}

/** A positive integer config value, or the default when the key is absent. */
export function integerArgument(spec: KerasLayerSpec, key: string, fallback?: number): number {
  const value = spec.config[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    unsupported({ className: spec.className, layer: spec.name, argument: key, reason: `expected a positive integer, received ${JSON.stringify(value)}` });
  return value;
}
