/**
 * Launch parameters ⇒ runtime resource limits (runloop-api.md §6 table).
 * Every devbox is limited: nothing requested means the SMALL size, because a
 * devbox runs code nobody trusts and one of them must never take the host.
 */
import type { LaunchParameters } from 'runloop-rx/views';
import type { ResourceLimits } from '../runtime/types.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/**
 * cpu cores, GiB of memory and GiB of disk per named size (runloop-api.md).
 *
 * @example
 * RESOURCE_SIZES.MEDIUM; // { cpu: 2, memGb: 4, diskGb: 8 }
 */
export const RESOURCE_SIZES: Readonly<
  Record<string, { readonly cpu: number; readonly memGb: number; readonly diskGb: number }>
> = {
  X_SMALL: { cpu: 0.5, memGb: 1, diskGb: 4 },
  SMALL: { cpu: 1, memGb: 2, diskGb: 4 },
  MEDIUM: { cpu: 2, memGb: 4, diskGb: 8 },
  LARGE: { cpu: 2, memGb: 8, diskGb: 16 },
  X_LARGE: { cpu: 4, memGb: 16, diskGb: 16 },
  XX_LARGE: { cpu: 8, memGb: 32, diskGb: 16 },
};

/**
 * The size a devbox gets when its launch parameters name none.
 *
 * @example
 * limitsFor(undefined).memoryBytes === RESOURCE_SIZES[DEFAULT_RESOURCE_SIZE]!.memGb * 2 ** 30; // true
 */
export const DEFAULT_RESOURCE_SIZE = 'SMALL';

/** Processes and threads per core: enough for a parallel build, never enough to exhaust the host's pid_max. */
const PIDS_PER_CORE = 1024;
const MIN_PIDS = 512;
/** /dev/shm: a sixteenth of memory, at least 64 MiB (Docker's default), at most 1 GiB. */
const shmFor = (memoryBytes: number): number =>
  Math.min(GIB, Math.max(64 * MIB, Math.floor(memoryBytes / 16 / MIB) * MIB));

/**
 * The limits for a devbox's launch parameters. A named size (default
 * {@link DEFAULT_RESOURCE_SIZE}) gives cpu, memory and disk;
 * `custom_cpu_cores`, `custom_gb_memory` and `custom_disk_size` override each
 * part (they are what `CUSTOM_SIZE` means). Pids and /dev/shm follow from cpu
 * and memory.
 *
 * @example
 * limitsFor({ resource_size_request: 'SMALL' }); // { cpuCores: 1, memoryBytes: 2 GiB, diskBytes: 4 GiB, maxPids: 1024, shmBytes: 128 MiB }
 * limitsFor({ resource_size_request: 'CUSTOM_SIZE', custom_cpu_cores: 2, custom_gb_memory: 8, custom_disk_size: 16 });
 */
export function limitsFor(params: LaunchParameters | null | undefined): ResourceLimits {
  const size =
    RESOURCE_SIZES[params?.resource_size_request ?? DEFAULT_RESOURCE_SIZE] ?? RESOURCE_SIZES[DEFAULT_RESOURCE_SIZE]!;
  const cpuCores = params?.custom_cpu_cores ?? size.cpu;
  const memoryBytes = (params?.custom_gb_memory ?? size.memGb) * GIB;
  return {
    cpuCores,
    memoryBytes,
    diskBytes: (params?.custom_disk_size ?? size.diskGb) * GIB,
    maxPids: Math.max(MIN_PIDS, Math.ceil(cpuCores * PIDS_PER_CORE)),
    shmBytes: shmFor(memoryBytes),
  };
}
