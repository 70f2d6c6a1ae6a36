import { configDefaults, defineConfig } from 'vitest/config';

const common = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
      // Code the pipeline project proves through dist/ child processes is also run in process by one test of each
      // kind (repair, drill, lag readings), so that it counts here.
      thresholds: { lines: 90 },
    },
    projects: [
      {
        test: {
          ...common,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/pipeline/**'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        // The live CDC pipeline (Kafka, Connect, Debezium): started once for this project, its files one at a time.
        test: {
          ...common,
          name: 'pipeline',
          include: ['test/pipeline/**/*.test.ts'],
          globalSetup: ['test/pipeline/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
