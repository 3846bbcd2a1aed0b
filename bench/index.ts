/** Every benchmark, in order: `keras-roundtrip bench` (npm run bench) runs this. */
import { main as benchAllClose } from './allclose.ts';
import { main as benchMemory } from './memory.ts';
import { main as benchRuntimes } from './runtimes.ts';

const BENCHES: ReadonlyArray<[string, () => Promise<void>]> = [['allclose', benchAllClose], ['runtimes', benchRuntimes], ['memory', benchMemory]];

export async function main(): Promise<void> {
  for (const [name, run] of BENCHES) {
    console.log(`\n== bench: ${name} ==`);
    await run();
  }
}

if (process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) await main();
