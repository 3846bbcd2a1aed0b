/** Types for the parts of `snappyjs` (pure-JS Snappy) the table reader uses. */
declare module 'snappyjs' {
  /** Decompress raw Snappy data; throws when the declared length exceeds `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  /** Compress raw Snappy data (tests build compressed blocks with it). */
  export function compress(uncompressed: Uint8Array): Uint8Array;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
