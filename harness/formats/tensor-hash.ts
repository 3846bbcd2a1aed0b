import { createHash } from 'node:crypto';
import type { Tensor } from '../tensor.ts';
import { tensorBytes } from './tensor-bytes.ts';

/** Hex sha256 of {@link tensorBytes}: the `sha256` field of every weight in `truth/<format>.json`. */
export function hashTensor(tensor: Tensor): string {
  return createHash('sha256').update(tensorBytes(tensor)).digest('hex');
}
