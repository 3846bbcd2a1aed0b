/**
 * TS twins of Python custom objects, resolved as Keras resolves them: passed explicitly (`customObjects`),
 * registered under their `registered_name` (`package>Name`), or missing. Modules that define twins
 * (harness/custom-objects/, a project config's `customObjects`) import this one and register into it.
 */
import type { KerasLayerSpec } from './keras-config.ts';
import type { TfLayer } from '../tfjs-node.ts';
import type { Tensor } from '../../tensor.ts';

/** One layer's stored variables, as a twin's `loadOwnVariables` sees them (weights.ts implements it). */
export interface VariableStore {
  /** The layer's path inside the weights file. */
  readonly layerPath: string;
  /** Every stored key, relative to the layer (`vars/0`, `vars/table`). */
  keys(): string[];
  /** The stored tensor under `key`; throws TFJS_KERAS_WEIGHTS_MISMATCH naming what is stored when it is absent. */
  get(key: string): Tensor;
  /** Write the stored tensor `key` into a tfjs variable (shape and dtype checked). */
  assign(variable: TfLayer['weights'][number], key: string): void;
  /** Stored keys nothing has read yet. */
  unread(): string[];
}

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

// On globalThis: a user's twin module may load keras-roundtrip through the other module system (CommonJS vs ESM), which
// would give it a second copy of this file; both copies must fill one registry.
const REGISTRY_KEY = Symbol.for('keras-roundtrip.custom-objects');
const registries = globalThis as Record<symbol, Map<string, CustomLayerTwin> | undefined>;
registries[REGISTRY_KEY] ??= new Map<string, CustomLayerTwin>();
const registered: Map<string, CustomLayerTwin> = registries[REGISTRY_KEY];

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

const provided = new Map<string, CustomLayerTwin>();

/**
 * Offer a twin of a class Python never registers, under the name a `custom_objects` mapping gives it. Like Python,
 * a load only sees it when a case passes it explicitly (RunRequest.customObjects).
 */
export function provideCustomObject(name: string, twin: CustomLayerTwin): void {
  const existing = provided.get(name);
  if (existing && existing !== twin) throw new Error(`custom object "${name}" is already provided (twin of ${existing.pythonTwin})`);
  provided.set(name, twin);
}

export function providedCustomObject(name: string): CustomLayerTwin | undefined {
  return provided.get(name);
}

export function providedCustomObjectNames(): string[] {
  return [...provided.keys()];
}
