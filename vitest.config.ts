import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const ALL_TESTS = ['harness/**/*.test.ts', 'fixtures/**/*.test.ts'];

/**
 * Test files that drive Python (TensorFlow), tfjs-node, onnxruntime-node, Chromium or other processes. Every other
 * test file is a unit test, and harness/testing/unit-guard.ts makes it fail if it starts a process or loads a native addon.
 */
export const INTEGRATION_TESTS = [
  'harness/conformance.test.ts',
  'harness/commands/*.test.ts',
  'harness/compare/allclose.numpy.test.ts',
  'harness/compare/half-float.test.ts',
  'harness/compare/numpy-format.test.ts',
  'harness/formats/hdf5.test.ts',
  'harness/formats/keras-archive.test.ts',
  'harness/formats/keras-weights-h5.test.ts',
  'harness/formats/keras-weights-sharded.test.ts',
  'harness/formats/legacy-h5.test.ts',
  'harness/formats/npy.test.ts',
  'harness/formats/onnx.test.ts',
  'harness/formats/saved-model.test.ts',
  'harness/formats/tensor-bundle.test.ts',
  'harness/formats/tf-checkpoint.test.ts',
  'harness/formats/tflite.test.ts',
  'harness/faults/inject.test.ts',
  'harness/fuzz/tfjs-seeds.test.ts',
  'harness/generator/drive.test.ts',
  'harness/generator/golden-integrity.test.ts',
  'harness/generator/runners.test.ts',
  'harness/report/html.test.ts',
  'harness/report/html-version-axis.test.ts',
  'harness/run/python-rerun.test.ts',
  'harness/run/verify.test.ts',
  'harness/setup/concurrent-setup.test.ts',
  'harness/runtimes/*.test.ts',
  'harness/runtimes/**/*.test.ts',
  'fixtures/hostile.test.ts',
  'fixtures/keras2-h5.test.ts',
  'fixtures/legacy-sequential-list.test.ts',
];

export default defineConfig({
  test: {
    // Native runtimes (tfjs-node, onnxruntime-node) must not share a process with each other's crashes.
    pool: 'forks',
    // vitest's default leaves one core to its main process (one worker on two cores); test files mostly wait on their
    // runtime workers and Python processes, so every core runs a test file.
    maxWorkers: availableParallelism(),
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['harness/compare/matchers.ts'],
    reporters: ['default', './harness/testing/ci-skips-reporter.ts'],
    // Transformed modules kept on disk between runs (keyed by content, path and configuration): a rerun transforms only
    // the files that changed.
    experimental: { fsModuleCache: true, fsModuleCachePath: '.cache/vitest' },
    projects: [
      // Unit test files share their worker's module graph (isolate: false): each file imports the harness once per worker,
      // not once per file; they hold no state between files (the guard runs again for every file).
      {
        extends: true,
        test: {
          name: 'unit',
          include: ALL_TESTS,
          exclude: INTEGRATION_TESTS,
          isolate: false,
          setupFiles: ['harness/testing/unit-guard.ts', 'harness/testing/file-environment.ts'],
        },
      },
      // Integration files share their worker too: tfjs-node, the readers and the harness load once per worker, not once per
      // file; native runtimes still run in the runtime pool's own processes, and a file leaves no state behind.
      {
        extends: true,
        test: {
          name: 'integration',
          include: INTEGRATION_TESTS,
          isolate: false,
          setupFiles: ['harness/testing/file-environment.ts'],
          globalSetup: ['harness/testing/python-script-server.ts', 'harness/testing/generator-server.ts'],
        },
      },
    ],
  },
});
