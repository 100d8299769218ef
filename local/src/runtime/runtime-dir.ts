/**
 * Host-side files that every namespace devbox of a runtime shares, read-only:
 * `bin/tini` (bound at /run/devbox) and `dev/`, a template of the few safe
 * device nodes a devbox gets (overlaid at /dev, so a layer's own /dev, and
 * the host's console, never show up). Made once per data dir.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TINI_PATH } from './namespace-launch.js';

const run = promisify(execFile);

const MAKE_DEV = `set -eu
cd "$1"
mknod -m 666 null c 1 3; mknod -m 666 zero c 1 5; mknod -m 666 full c 1 7
mknod -m 666 random c 1 8; mknod -m 666 urandom c 1 9; mknod -m 666 tty c 5 0
ln -s pts/ptmx ptmx; ln -s /proc/self/fd fd
ln -s /proc/self/fd/0 stdin; ln -s /proc/self/fd/1 stdout; ln -s /proc/self/fd/2 stderr
mkdir -m 755 pts; mkdir -m 1777 shm
`;

/**
 * Makes sure `<runtimeDir>/bin/tini` and `<runtimeDir>/dev/` exist; safe
 * when two runtimes on one data dir race.
 *
 * @example
 * await prepareRuntimeDir('/var/lib/runloop-local/.runtime');
 */
export async function prepareRuntimeDir(runtimeDir: string): Promise<void> {
  if (existsSync(join(runtimeDir, 'dev', 'urandom')) && existsSync(join(runtimeDir, 'bin', 'tini'))) return;
  await mkdir(runtimeDir, { recursive: true });
  const temp = await mkdtemp(join(runtimeDir, '.prepare-'));
  try {
    await mkdir(join(temp, 'bin'));
    await copyFile(TINI_PATH, join(temp, 'bin', 'tini'));
    await chmod(join(temp, 'bin', 'tini'), 0o755);
    await mkdir(join(temp, 'dev'), { mode: 0o755 });
    await run('/bin/sh', ['-c', MAKE_DEV, 'sh', join(temp, 'dev')]);
    for (const part of ['bin', 'dev']) {
      await rename(join(temp, part), join(runtimeDir, part)).catch((error: NodeJS.ErrnoException) => {
        // Another runtime finished first: its copy is as good as ours.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
