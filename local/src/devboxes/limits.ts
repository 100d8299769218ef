/**
 * Launch parameters ⇒ runtime resource limits (runloop-api.md §6 table).
 * Nothing requested ⇒ no limits, so a local devbox is as fast as the host.
 */
import type { LaunchParameters } from 'runloop-rx/views';
import type { ResourceLimits } from '../runtime/types.js';

const GIB = 1024 * 1024 * 1024;

/**
 * cpu cores and GiB of memory per named size.
 *
 * @example
 * RESOURCE_SIZES.MEDIUM; // { cpu: 2, memGb: 4 }
 */
export const RESOURCE_SIZES: Readonly<Record<string, { readonly cpu: number; readonly memGb: number }>> = {
  X_SMALL: { cpu: 0.5, memGb: 1 },
  SMALL: { cpu: 1, memGb: 2 },
  MEDIUM: { cpu: 2, memGb: 4 },
  LARGE: { cpu: 2, memGb: 8 },
  X_LARGE: { cpu: 4, memGb: 16 },
  XX_LARGE: { cpu: 8, memGb: 32 },
};

/**
 * The limits for a devbox's launch parameters. A named size gives both cpu
 * and memory; `custom_cpu_cores` / `custom_gb_memory` override each part
 * (they are what `CUSTOM_SIZE` means).
 *
 * @example
 * limitsFor({ resource_size_request: 'SMALL' }); // { cpuCores: 1, memoryBytes: 2 GiB }
 * limitsFor({ resource_size_request: 'CUSTOM_SIZE', custom_cpu_cores: 2, custom_gb_memory: 8 });
 */
export function limitsFor(params: LaunchParameters | null | undefined): ResourceLimits {
  const size = params?.resource_size_request ? RESOURCE_SIZES[params.resource_size_request] : undefined;
  const cpu = params?.custom_cpu_cores ?? size?.cpu;
  const memGb = params?.custom_gb_memory ?? size?.memGb;
  return {
    ...(cpu !== undefined ? { cpuCores: cpu } : {}),
    ...(memGb !== undefined ? { memoryBytes: memGb * GIB } : {}),
  };
}
