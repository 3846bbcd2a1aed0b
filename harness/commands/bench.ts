import type { Command } from 'commander';

/** `keras-roundtrip bench` (`npm run bench`): the benchmarks of bench/, side by side with numpy / Python. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('benchmarks, side by side with numpy / Python')
    .action(async () => {
      const { main } = await import('../../bench/index.ts');
      await main();
    });
}
