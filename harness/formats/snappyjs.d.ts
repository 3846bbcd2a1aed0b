/** Types for the parts of `snappyjs` (pure-JS Snappy) the table reader uses. */
declare module 'snappyjs' {
  /** Decompress raw Snappy data; throws when the declared length exceeds `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  const snappy: { uncompress: typeof uncompress };
  export default snappy;
}
