import { RuntimeError } from '../../errors.ts';

/** What the tfjs-keras loader cannot translate: the class, the argument (when one is to blame) and why. */
export interface UnsupportedFeature {
  /** Keras class name, e.g. `Attention`, or `Model` for model-level features. */
  className: string;
  /** Layer name in the config, when the feature belongs to one layer. */
  layer?: string;
  /** The config argument at fault, e.g. `data_format`; absent when the whole class is unsupported. */
  argument?: string;
  reason: string;
}

export const TFJS_KERAS_UNSUPPORTED = 'TFJS_KERAS_UNSUPPORTED';
export const TFJS_KERAS_CUSTOM_OBJECT_MISSING = 'TFJS_KERAS_CUSTOM_OBJECT_MISSING';

export function describeFeature(feature: UnsupportedFeature): string {
  const where = feature.layer === undefined ? feature.className : `${feature.className} "${feature.layer}"`;
  return feature.argument === undefined ? `${where}: ${feature.reason}` : `${where}, argument ${feature.argument}: ${feature.reason}`;
}

/** The artifact uses layers or arguments tfjs-keras cannot run; `details.features` lists every one (verdict `unsupported`). */
export class TfjsKerasUnsupportedError extends RuntimeError {
  readonly features: UnsupportedFeature[];
  constructor(file: string, features: UnsupportedFeature[]) {
    super(TFJS_KERAS_UNSUPPORTED, `${file}: tfjs-keras cannot run ${features.length} feature(s): ${features.map(describeFeature).join('; ')}`, {
      file,
      phase: 'load',
      details: { features },
    });
    this.features = features;
  }
}

/** Thrown while translating one layer; the pre-flight collects these into one {@link TfjsKerasUnsupportedError}. */
export class UnsupportedFeatureSignal extends Error {
  constructor(readonly feature: UnsupportedFeature) {
    super(describeFeature(feature));
  }
}

export function unsupported(feature: UnsupportedFeature): never {
  throw new UnsupportedFeatureSignal(feature);
}
