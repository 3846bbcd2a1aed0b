/** Every benchmark, in order: `keras-roundtrip bench` (npm run bench) runs this. BENCH_ONLY=allclose,generation picks some. */
import { main as benchAllClose } from './allclose.ts';
import { main as benchGeneration } from './generation.ts';
import { main as benchLiteRt } from './litert.ts';
import { main as benchMemory } from './memory.ts';
import { main as benchRuntimes } from './runtimes.ts';
import { main as benchScaling } from './scaling.ts';

const BENCHES: ReadonlyArray<[string, () => Promise<void>]> = [
  ['allclose', benchAllClose],
  ['runtimes', benchRuntimes],
  ['litert', benchLiteRt],
  ['memory', benchMemory],
  ['scaling', benchScaling],
  ['generation', benchGeneration],
];

export async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const unknown = only?.filter((name) => !BENCHES.some(([known]) => known === name)) ?? [];
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names ${unknown.join(', ')}; expected some of ${BENCHES.map(([name]) => name).join(', ')}`);
  for (const [name, run] of BENCHES) {
    if (only && !only.includes(name)) continue;
    console.log(`\n== bench: ${name} ==`);
    await run();
  }
}

if (process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) await main();
