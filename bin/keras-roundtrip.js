#!/usr/bin/env node
// The CLI entry: keras-roundtrip runs its TypeScript sources through tsx (ESM and CommonJS hooks, so a project
// config or TS twin loads in either module type), so there is no build step.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
// Ctrl-C, SIGTERM or SIGHUP end every generator worker, server and runtime worker the command started.
const { endChildrenOnSignals } = await import('../harness/child-processes.ts');
endChildrenOnSignals();
const { main } = await import('../harness/cli.ts');
process.exitCode = await main(process.argv);
