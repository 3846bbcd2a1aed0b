/** The TS custom objects that ship with keras-roundtrip: registered ones, and the unregistered library. */
import { registerCustomObject, type CustomLayerTwin } from './registry.ts';
import { residualBlock3D, residualBlock3DTwin } from './residual-block-3d.ts';

registerCustomObject(residualBlock3D);

/**
 * Twins of Python classes that are never registered, by the name a `custom_objects` mapping gives them. Like
 * Python, a load only sees them when they are passed explicitly (RunRequest.customObjects).
 */
export const UNREGISTERED_CUSTOM_OBJECTS: Readonly<Record<string, CustomLayerTwin>> = {
  ResidualBlock3DTwin: residualBlock3DTwin,
};

export { registerCustomObject, registeredCustomObject, registeredCustomObjectNames, type CustomLayerTwin } from './registry.ts';
