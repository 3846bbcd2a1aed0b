/** What layers written here may add to tfjs's Layer so the loader can restore Keras state tfjs has no notion of. */
import type { AssetSource } from './custom-objects.ts';
import type { TfLayer } from '../tfjs-node.ts';

/** Layers holding sublayers name their variables' saving_lib paths themselves (relative to the layer). */
export interface HasKerasVariablePaths {
  kerasVariablePaths(): string[];
}

export function hasKerasVariablePaths(layer: TfLayer): layer is TfLayer & HasKerasVariablePaths {
  return typeof (layer as Partial<HasKerasVariablePaths>).kerasVariablePaths === 'function';
}

/** Layers with Keras `load_assets`: they read their files (keyed by path inside their folder) after the weights. */
export interface HasKerasAssets {
  loadKerasAssets(files: ReadonlyMap<string, Uint8Array>, source: AssetSource): void;
}

export function hasKerasAssets(layer: TfLayer): layer is TfLayer & HasKerasAssets {
  return typeof (layer as Partial<HasKerasAssets>).loadKerasAssets === 'function';
}
