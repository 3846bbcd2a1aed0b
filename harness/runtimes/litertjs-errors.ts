/** LiteRT.js has no kernel for an op (and version) the model uses: the verdict is `unsupported`. Importable without wasm. */
export const LITERTJS_OP_UNSUPPORTED = 'LITERTJS_OP_UNSUPPORTED';
/** LiteRT.js cannot hold a tensor element type the model uses (e.g. FLOAT64): the verdict is `unsupported`. */
export const LITERTJS_DTYPE_UNSUPPORTED = 'LITERTJS_DTYPE_UNSUPPORTED';
