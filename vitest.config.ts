import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Devbox tests share one machine's cgroups and rootfs cache: keep files in
    // separate workers but never oversubscribe the 2 cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
