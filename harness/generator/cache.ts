import path from 'node:path';
import { ENVIRONMENTS } from '../environments.ts';
import { cacheRoot, GOLDEN_DIR } from '../paths.ts';

/** Where keras-roundtrip keeps what is too big for a repository: the set-up cache (paths.ts {@link cacheRoot}). */
export function keepRoot(env: NodeJS.ProcessEnv = process.env): string {
  return cacheRoot(env);
}

/**
 * The golden root of the environments whose data is not committed: `<cache>/golden/<env>/<case>` is a symlink to
 * `<cache>/golden/.objects/<input hash>`, so data made from the same inputs is never made twice.
 */
export function artifactCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(keepRoot(env), 'golden');
}

/** The content-addressed folder of one input hash inside a cache golden root. */
export function cachedObjectDirectory(root: string, inputHash: string): string {
  return path.join(root, '.objects', inputHash);
}

/** Whether `root` is the artifact cache (content-addressed) rather than a plain golden folder such as golden/. */
export function isArtifactCache(root: string): boolean {
  return path.resolve(root) === artifactCacheRoot();
}

/** Where an environment's golden data lives by default: golden/ for the committed (default) environment, else the cache. */
export function goldenRootOf(environment: string): string {
  const known = ENVIRONMENTS.find((candidate) => candidate.name === environment);
  return !known || known.committed ? GOLDEN_DIR : artifactCacheRoot();
}

/**
 * Where the artifact cache keeps a case the generator refused for one input hash (its exception, recorded by
 * `generate`): `<root>/.failures/<input hash>.json`. Made from the same inputs it fails the same way, so a nightly does
 * not spend a generation on it again; a timeout or a dead worker is never recorded, and `--force` tries again.
 */
export function cachedFailureFile(root: string, inputHash: string): string {
  return path.join(root, '.failures', `${inputHash}.json`);
}
