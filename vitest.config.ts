import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['harness/**/*.test.ts', 'fixtures/**/*.test.ts'],
    // Native runtimes (tfjs-node, onnxruntime-node) must not share a process with each other's crashes.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['harness/compare/matchers.ts'],
  },
});
