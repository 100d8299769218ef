/** Limits for runtime tests (no vitest import: fixtures run outside vitest too). */
import type { ResourceLimits } from '../../src/runtime/index.js';

/** Small limits: enough for a shell, python and coreutils, never enough to hurt the host. */
export const TEST_LIMITS: ResourceLimits = {
  memoryBytes: 512 << 20,
  cpuCores: 1,
  maxPids: 256,
  diskBytes: 1 << 30,
  shmBytes: 64 << 20,
};
