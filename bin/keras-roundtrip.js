#!/usr/bin/env node
// The CLI entry: keras-roundtrip runs its TypeScript sources through tsx (ESM and CommonJS hooks, so a project
// config or TS twin loads in either module type), so there is no build step.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
const { main } = await import('../harness/cli.ts');
process.exitCode = await main(process.argv);
