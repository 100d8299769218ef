/**
 * Root filesystems whose owners live in the devboxes' id range. The cached
 * base rootfs is built with real ids (0, 1000…); a devbox's root is host uid
 * `hostStart`, so it must see its files owned by itself: this makes a copy
 * with every owner moved by `hostStart` (setuid/setgid bits restored, since
 * chown clears them), once per range, cached beside the base.
 */
import { execFile } from 'node:child_process';
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ensureCachedBuild } from '../rootfs.js';
import type { IdRange } from './config.js';

/**
 * Returns the shifted copy of `baseRootfs`, making it on first use (1–3 s).
 *
 * @example
 * const rootfs = await ensureShiftedRootfs(await ensureBaseRootfs(), { hostStart: 100_000, size: 65_536 });
 */
export function ensureShiftedRootfs(baseRootfs: string, ids: IdRange): Promise<string> {
  return ensureCachedBuild({
    cacheDir: dirname(baseRootfs),
    tag: `${basename(baseRootfs)}.ids-${ids.hostStart}-${ids.size}`,
    build: async (temp) => {
      // coreutils keeps device nodes, modes, times and xattrs in one pass; owners are moved next.
      await promisify(execFile)('/bin/cp', ['-a', '--', `${baseRootfs}/.`, `${temp}/`]);
      await shiftTree(temp, ids);
    },
  });
}

/**
 * Moves every owner under `root` (itself included) into the range. Ids
 * beyond the range's size become the range's last id (they would be
 * unmapped, i.e. `nobody`, inside anyway).
 *
 * @example
 * await shiftTree('/data/layers/imported', { hostStart: 100_000, size: 65_536 });
 */
export async function shiftTree(root: string, ids: IdRange): Promise<void> {
  const shift = (id: number): number => ids.hostStart + Math.min(id, ids.size - 1);
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    await lchown(path, shift(info.uid), shift(info.gid));
    if (!info.isSymbolicLink() && (info.mode & 0o6000) !== 0) await chmod(path, info.mode & 0o7777);
    if (!info.isDirectory()) return;
    for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(root);
}
