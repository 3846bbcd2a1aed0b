#!/usr/bin/env node
// The CLI entry: keras-roundtrip runs its TypeScript sources through tsx, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli.ts');
process.exitCode = await main(process.argv);
