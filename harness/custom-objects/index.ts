/** The TS custom objects that ship with keras-roundtrip: registered ones, and the unregistered library. */
import { customModel, customModelTwin } from './custom-model.ts';
import { registerCustomObject, type CustomLayerTwin } from './registry.ts';
import { residualBlock3D, residualBlock3DTwin } from './residual-block-3d.ts';
import { containerModel, noFromConfigLayer } from './saving-edge-cases.ts';
import { layerWithCustomAssets, layerWithCustomBuild, layerWithCustomVariable, modelWithCustomCompile } from './saving-hooks.ts';

for (const twin of [residualBlock3D, customModel, layerWithCustomVariable, layerWithCustomAssets, layerWithCustomBuild, modelWithCustomCompile, noFromConfigLayer, containerModel]) {
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

export { registerCustomObject, registeredCustomObject, registeredCustomObjectNames, type AssetSource, type CustomLayerTwin, type VariableStore, type WriterInfo } from './registry.ts';
