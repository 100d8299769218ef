import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const fromRoot = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The two workspace packages run from source in tests (mirrors the
    // `paths` of tsconfig.json), so `npm test` needs no build first.
    alias: [
      { find: /^runloop-rx\/views$/, replacement: fromRoot('./src/api/views/index.ts') },
      { find: /^runloop-local$/, replacement: fromRoot('./local/src/index.ts') },
    ],
  },
  test: {
    // One run over both packages: the SDK's tests (test/, examples/) and runloop-local's (local/test/).
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts', 'local/test/**/*.test.ts'],
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
