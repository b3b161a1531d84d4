import { defineConfig } from 'vitest/config';

// Engine tests are CPU-heavy on a 2-core machine: run files in forks, two at a time,
// with generous timeouts (speed is measured by `npm run bench`, never asserted here).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs the weights and paintings (test/setup/assets.ts) before any test runs.
    globalSetup: ['test/setup/assets.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
