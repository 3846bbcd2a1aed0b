/**
 * The TS custom objects that ship with keras-roundtrip: registered ones, and the unregistered library. Imported like a
 * project config's `customObjects` modules (config.ts `importCustomObjectModules`), before tfjs-keras loads a model.
 */
import { customModel, customModelTwin } from './custom-model.ts';
import { provideCustomObject, registerCustomObject, type CustomLayerTwin } from '../runtimes/tfjs-keras/custom-objects.ts';
import { residualBlock3D, residualBlock3DTwin } from './residual-block-3d.ts';
import { containerModel, noFromConfigLayer } from './saving-edge-cases.ts';
import { layerWithCustomAssets, layerWithCustomBuild, layerWithCustomVariable, modelWithCustomCompile } from './saving-hooks.ts';

for (const twin of [
  residualBlock3D,
  customModel,
  layerWithCustomVariable,
  layerWithCustomAssets,
  layerWithCustomBuild,
  modelWithCustomCompile,
  noFromConfigLayer,
  containerModel,
]) {
  registerCustomObject(twin);
}

/**
 * Twins of Python classes that are never registered, by the name a `custom_objects` mapping gives them. Like
 * Python, a load only sees them when they are passed explicitly (RunRequest.customObjects).
 */
export const UNREGISTERED_CUSTOM_OBJECTS: Readonly<Record<string, CustomLayerTwin>> = {
  ResidualBlock3DTwin: residualBlock3DTwin,
  CustomModelTwin: customModelTwin,
};
for (const [name, twin] of Object.entries(UNREGISTERED_CUSTOM_OBJECTS)) provideCustomObject(name, twin);

export {
  registerCustomObject,
  registeredCustomObject,
  registeredCustomObjectNames,
  type AssetSource,
  type CustomLayerTwin,
  type VariableStore,
  type WriterInfo,
} from '../runtimes/tfjs-keras/custom-objects.ts';
