/** A CommonJS package imported from ESM: Node puts module.exports on `default`, some loaders flatten it. */
export function interopDefault<T>(namespace: T): T {
  const candidate = (namespace as { default?: T }).default;
  return candidate && typeof candidate === 'object' ? candidate : namespace;
}
