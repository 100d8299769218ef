import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // The default output, plus one plain `Tests: N passed, N failed` line at the end.
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Builds the cached base root filesystem once, before any worker starts,
    // so parallel workers never race to debootstrap it.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Devbox tests share one machine's cgroups and 2 cores: separate
    // processes per file, never more workers than cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
