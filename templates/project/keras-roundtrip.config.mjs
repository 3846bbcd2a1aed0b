// keras-roundtrip's project config (made by `npx keras-roundtrip init`). An .mjs file loads in CommonJS and ESM
// projects alike. Paths are relative to this file. README of keras-roundtrip: "Your own models".
/** @type {import('keras-roundtrip').ProjectConfig} */
export default {
  // Case folders: one YAML file per model (the schema is node_modules/keras-roundtrip/cases/case.schema.json).
  cases: ['roundtrip/cases'],
  // Expected non-passes, each with a reason.
  expectations: ['roundtrip/expectations'],
  // A Python package whose BUILDERS = {name: build(args, inputs)} builds your models (custom layers included).
  modelLibrary: 'roundtrip/models/my_models',
  // TS twins of your custom Keras classes, imported by every runtime worker before a model loads.
  customObjects: ['roundtrip/twins/scaled-dense.mts'],
  // Verdicts that fail the run besides fail/error/crashed/timeout/unexpected-pass: add 'unsupported' when your
  // app must run these models in TS, 'skipped' when nothing may go unchecked.
  failOn: [],
};
