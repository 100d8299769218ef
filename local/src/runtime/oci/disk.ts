/**
 * A devbox's writable disk: a sparse ext4 image of exactly its disk limit
 * (`<stateDir>/disk.img`), loop-mounted on the host with nosuid,nodev,noexec
 * under the runtime's private mount dir. The overlay's upper and work dirs
 * live inside it, so a devbox that fills its disk gets ENOSPC and the host
 * loses at most the image's size. The image outlives a stop (suspend,
 * restart) and goes with the devbox's state dir.
 *
 * The launcher (`../launcher/launcher.c`) makes, mounts and, when the devbox
 * ends, unmounts it; this module names the paths and unmounts what a killed
 * launcher or a crashed server left mounted.
 */
import { execFile } from 'node:child_process';
import { readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Only for what a killed launcher or a crashed server left mounted: rare, so a plain spawn.
const run = promisify(execFile);
const PATH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/**
 * The image file of a devbox.
 *
 * @example
 * diskImagePath('/data/devboxes/dbx_1'); // '/data/devboxes/dbx_1/disk.img'
 */
export function diskImagePath(stateDir: string): string {
  return join(stateDir, 'disk.img');
}

/**
 * The overlay's upper or work dir inside a mounted disk (known before the mount, for links).
 *
 * @example
 * diskDir('/data/.runtime/mnt/dbx_1', 'upper'); // '/data/.runtime/mnt/dbx_1/upper'
 */
export function diskDir(mountPoint: string, which: 'upper' | 'work'): string {
  return join(mountPoint, which);
}

/**
 * Unmounts the image (the loop device goes with it); a mount point that is
 * not mounted is fine. The kernel keeps the filesystem alive for an overlay
 * still using it, so this never races a dying devbox.
 *
 * @example
 * await unmountDisk('/data/.runtime/mnt/dbx_1');
 */
export async function unmountDisk(mountPoint: string): Promise<void> {
  if (await isMountPoint(mountPoint)) {
    try {
      await run('umount', [mountPoint], { env: PATH_ENV });
    } catch {
      // Busy (a snapshot copy still reading): detach it now, the kernel finishes when the reader is done.
      await run('umount', ['-l', mountPoint], { env: PATH_ENV }).catch(() => undefined);
    }
  }
  await rmdir(mountPoint).catch(() => undefined);
}

/**
 * Mount points under `dir` (from /proc/self/mountinfo), deepest first: for reaping after a crash.
 *
 * @example
 * for (const point of await mountsUnder('/data/.runtime/mnt')) await unmountDisk(point);
 */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = `${dir}/`;
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined && point.startsWith(prefix))
    .map((point) => point.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))))
    .sort((a, b) => b.length - a.length);
}

async function isMountPoint(dir: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([stat(dir), stat(join(dir, '..'))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
}
