/** LiteRT.js has no kernel for an op (and version) the model uses: the verdict is `unsupported`. Importable without wasm. */
export const LITERTJS_OP_UNSUPPORTED = 'LITERTJS_OP_UNSUPPORTED';
