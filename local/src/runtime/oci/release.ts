/**
 * What a devbox holds on the host besides its processes, and how it is let
 * go: the same steps after a stop and after a start that failed half-way.
 */
import { rm } from 'node:fs/promises';
import type { DevboxCgroups } from '../cgroups.js';
import { hostRun } from '../host-run.js';
import { unmountDisk } from './disk.js';

// Off the main thread: see host-run.ts.
const run = hostRun;

/**
 * Host resources of one devbox.
 *
 * @example
 * const held: HeldResources = { id: 'dbx_1', cgroups, runcRoot, diskMount, bundle };
 */
export interface HeldResources {
  readonly id: string;
  readonly cgroups: DevboxCgroups;
  readonly runcRoot: string;
  /** Where its disk image is mounted on the host. */
  readonly diskMount: string;
  /** Its runc bundle (config and the overlay's mount point). */
  readonly bundle: string;
}

/**
 * Kills whatever still lives in the devbox's cgroup (helpers outside its pid
 * namespace too), deletes the runc container and the cgroups, unmounts the
 * disk and removes the bundle. Never throws: each step is tried whatever
 * the one before did.
 *
 * @example
 * await releaseDevbox({ id, cgroups, runcRoot, diskMount, bundle });
 */
export async function releaseDevbox(held: HeldResources): Promise<void> {
  await held.cgroups.kill().catch(() => undefined);
  await run('runc', ['--root', held.runcRoot, 'delete', '--force', held.id], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  }).catch(() => undefined);
  await held.cgroups.remove().catch(() => undefined);
  await unmountDisk(held.diskMount);
  await rm(held.bundle, { recursive: true, force: true });
}
