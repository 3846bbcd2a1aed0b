/**
 * TS twins of Python custom objects, resolved as Keras resolves them: passed explicitly (`customObjects`),
 * registered under their `registered_name` (`package>Name`), or missing.
 */
import type { KerasLayerSpec } from '../runtimes/tfjs-keras/keras-config.ts';
import type { TfLayer } from '../runtimes/tfjs-keras/tfjs.ts';
import type { VariableStore } from '../runtimes/tfjs-keras/weights.ts';

export type { VariableStore };

/** What the twin may need to know about the file's writer: saving_lib's layout changed between Keras 2 and 3. */
export interface WriterInfo {
  kerasMajor: 2 | 3;
}

/** Where a twin's asset files came from, for its error messages. */
export interface AssetSource {
  /** The artifact path. */
  file: string;
  /** The layer's asset folder inside the archive, e.g. `assets/layers/layer_with_custom_assets/`. */
  folder: string;
}

/** One custom layer that exists in Python (the generator's model library) and in TS. */
export interface CustomLayerTwin {
  /** The Python name: `package>Name` for registered classes, the bare class name for unregistered ones. */
  registeredName: string;
  /** The Python twin, as `file ClassName`, so a reader can compare both. */
  pythonTwin: string;
  /** Build the tfjs layer from the Keras config (the layer's `config` object). */
  create(spec: KerasLayerSpec): TfLayer;
  /**
   * Where saving_lib stores each of the built layer's weights in a `.keras` file, relative to the layer's own
   * path and in the order of `layer.weights` (e.g. `conv_a/vars/0`).
   */
  kerasVariablePaths(layer: TfLayer, writer: WriterInfo): string[];
  /**
   * Keras's `load_own_variables(store)`: when present, the twin restores its variables itself from the layer's store
   * (keys like `vars/0`, `vars/table`) and `kerasVariablePaths` is not used. A key it reads that is absent, or a stored
   * key it leaves unread, fails the load.
   */
  loadOwnVariables?(layer: TfLayer, store: VariableStore): void;
  /** Keras's `load_assets(inner_path)`: the layer's asset files (`.keras` only), keyed by their path inside its folder. */
  loadAssets?(layer: TfLayer, files: ReadonlyMap<string, Uint8Array>, source: AssetSource): void;
}

const registered = new Map<string, CustomLayerTwin>();

/** Register a twin under its `registered_name`, like `keras.saving.register_keras_serializable`. */
export function registerCustomObject(twin: CustomLayerTwin): void {
  const existing = registered.get(twin.registeredName);
  if (existing && existing !== twin) throw new Error(`custom object "${twin.registeredName}" is already registered (twin of ${existing.pythonTwin})`);
  registered.set(twin.registeredName, twin);
}

export function registeredCustomObject(name: string): CustomLayerTwin | undefined {
  return registered.get(name);
}

export function registeredCustomObjectNames(): string[] {
  return [...registered.keys()];
}
