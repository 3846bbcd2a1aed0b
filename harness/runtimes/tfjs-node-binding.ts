/** What the tfjs-node native binding was built against: `keras-roundtrip setup` writes it, runtimes and reports read it. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TFJS_NODE_DIR } from '../paths.ts';

/** What the tfjs-node binding was built against; recorded in its stamp and in report provenance. */
export interface BindingProvenance {
  tensorflowVersion: string;
  libtensorflow: string;
  nodeAbi: string;
}

/** The stamp setup writes beside the binding's libraries. */
export const TFJS_NODE_BINDING_STAMP = path.join(TFJS_NODE_DIR, 'deps', '.roundtrip-stamp');

/** Read the binding's provenance without building anything (for reports). */
export async function readBindingProvenance(): Promise<BindingProvenance | undefined> {
  const stamp = await readFile(TFJS_NODE_BINDING_STAMP, 'utf8').then((text) => text.trim(), () => undefined);
  return stamp ? (JSON.parse(stamp) as BindingProvenance) : undefined;
}
