import { defineConfig } from 'vitest/config';

// The end-to-end layer: keras-roundtrip packed and installed into fresh user projects (`npm run test:e2e`, in .ci/run).
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
