/**
 * The custom classes each generator builder declares (Python: `roundtrip_generator/models/__init__.py`,
 * `BUILDERS[name].custom_classes`), by the name a `custom_objects` mapping gives them. Verify passes these to
 * tfjs-keras when a case loads with `customObjects: argument | scope`. Kept free of tfjs imports: the main process reads it.
 */
export const BUILDER_CUSTOM_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  residual_block_3d_unregistered: ['ResidualBlock3DTwin'],
  custom_model_unregistered: ['CustomModelTwin'],
};

export function customObjectsForBuilder(builder: string | undefined): readonly string[] {
  return builder === undefined ? [] : (BUILDER_CUSTOM_OBJECTS[builder] ?? []);
}
