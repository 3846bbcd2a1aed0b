import type { Command } from 'commander';
import { loadProjectConfig } from '../config.ts';
import { setup } from '../setup/setup.ts';
import { addSharedOptions, say, selectEnvironments } from './options.ts';

/** `keras-roundtrip setup [--env E…]`: the Python environments and the tfjs-node binding built against them (idempotent). */
export function registerSetupCommand(program: Command): void {
  const command = program.command('setup').description('create the Python environment(s) and build the tfjs-node binding against them (idempotent)');
  addSharedOptions(command, ['env', 'allEnvs'], { env: { description: 'environment(s) to set up (default: the default environment)' } }).action(
    async (options: { env?: string[]; allEnvs?: boolean }) => {
      if (process.env.KERAS_ROUNDTRIP_SKIP_SETUP === '1') {
        say('keras-roundtrip setup: skipped (KERAS_ROUNDTRIP_SKIP_SETUP=1)');
        return;
      }
      const started = performance.now();
      const config = await loadProjectConfig();
      await setup(selectEnvironments(options.env, options.allEnvs, config.environments), (message) => say(`keras-roundtrip setup ${message}`));
      say(`keras-roundtrip setup: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  );
}
