/**
 * Names derived from the data dir and the devbox id: the cgroup directory of
 * one runtime instance and a devbox's hostname.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * The cgroup directory name shared by every runtime using `dataDir`.
 *
 * @example
 * runtimeInstanceName('/var/lib/runloop-local'); // 'runloop-local-3f2a9c1b7d0e'
 */
export function runtimeInstanceName(dataDir: string): string {
  return `runloop-local-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/**
 * The hostname of a devbox: its id, made a valid hostname label.
 *
 * @example
 * devboxHostname('dbx_1a2B'); // 'dbx-1a2B'
 */
export function devboxHostname(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63);
}
