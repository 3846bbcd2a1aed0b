/** CRC-32C (Castagnoli), and the "masked" form LevelDB tables and TensorFlow tensor bundles store. */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

/** Continue a CRC-32C over `bytes` (start with 0). */
export function extendCrc32c(crc: number, bytes: Uint8Array): number {
  let value = ~crc >>> 0;
  for (let index = 0; index < bytes.length; index++) value = TABLE[(value ^ bytes[index]!) & 0xff]! ^ (value >>> 8);
  return ~value >>> 0;
}

export function crc32c(bytes: Uint8Array): number {
  return extendCrc32c(0, bytes);
}

const MASK_DELTA = 0xa282ead8;

/** LevelDB's mask: a CRC stored next to data that itself holds CRCs must not look like one. */
export function maskCrc32c(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}
