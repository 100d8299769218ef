/**
 * What a devbox holds on the host besides its processes, and how it is let
 * go: the same steps after a stop and after a start that failed half-way.
 */
import { rm } from 'node:fs/promises';
import type { DevboxCgroups } from '../cgroups.js';
import { join } from 'node:path';
import { unmountDisk } from './disk.js';

/**
 * Host resources of one devbox.
 *
 * @example
 * const held: HeldResources = { id: 'dbx_1', cgroups, stateRoot, diskMount, bundle };
 */
export interface HeldResources {
  readonly id: string;
  readonly cgroups: DevboxCgroups;
  /** crun's state root: the devbox's state is `<stateRoot>/<id>`. */
  readonly stateRoot: string;
  /** Where its disk image is mounted on the host. */
  readonly diskMount: string;
  /** Its OCI bundle (config and the overlay's mount point). */
  readonly bundle: string;
}

/**
 * Kills whatever still lives in the devbox's cgroup (helpers outside its pid
 * namespace too), removes the cgroups and crun's state of the container
 * (what `crun delete` would do, without a process: crun's cgroup handling
 * is off, so its state dir is all it has), unmounts the disk and removes
 * the bundle. Never throws: each step is tried whatever
 * the one before did.
 *
 * @example
 * await releaseDevbox({ id, cgroups, stateRoot, diskMount, bundle });
 */
export async function releaseDevbox(held: HeldResources): Promise<void> {
  await held.cgroups.kill().catch(() => undefined);
  await rm(join(held.stateRoot, held.id), { recursive: true, force: true });
  await held.cgroups.remove().catch(() => undefined);
  await unmountDisk(held.diskMount);
  await rm(held.bundle, { recursive: true, force: true });
}
