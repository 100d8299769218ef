/**
 * A devbox's writable disk: a sparse ext4 image of exactly its disk limit
 * (`<stateDir>/disk.img`), loop-mounted on the host with nosuid,nodev,noexec
 * under the runtime's private mount dir. The overlay's upper and work dirs
 * live inside it, so a devbox that fills its disk gets ENOSPC and the host
 * loses at most the image's size. The image outlives a stop (suspend,
 * restart) and goes with the devbox's state dir.
 */
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';
import { hostRun } from '../host-run.js';
import type { IdRange } from './config.js';

// Off the main thread: see host-run.ts.
const run = hostRun;
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
 * Creates the image (once; an existing one keeps its data and size) and
 * mounts it at `mountPoint`; returns the upper and work dirs inside it, owned
 * by devbox root.
 *
 * @example
 * const { upper, work } = await mountDisk({ stateDir, mountPoint: '/data/.runtime/mnt/dbx_1', bytes: 4 << 30, ids });
 */
export async function mountDisk(options: {
  readonly stateDir: string;
  readonly mountPoint: string;
  readonly bytes: number;
  readonly ids: IdRange;
}): Promise<{ readonly upper: string; readonly work: string }> {
  const image = diskImagePath(options.stateDir);
  const owner = `${options.ids.hostStart}:${options.ids.hostStart}`;
  if (!existsSync(image)) {
    try {
      // mke2fs makes the sparse file itself when given a size; lazy init keeps this at tens of
      // milliseconds; the root dir belongs to devbox root. Built aside, renamed when whole.
      await rm(`${image}.tmp`, { force: true });
      const size = `${Math.floor(options.bytes / 1024)}k`;
      await run(
        'mkfs.ext4',
        [
          '-q',
          '-F',
          '-m',
          '0',
          '-E',
          `lazy_itable_init=1,lazy_journal_init=1,root_owner=${owner}`,
          `${image}.tmp`,
          size,
        ],
        {
          env: PATH_ENV,
        },
      );
      await rename(`${image}.tmp`, image);
    } catch (error) {
      throw new RuntimeError(`cannot create the devbox disk image: ${stderrOf(error)}`);
    }
  }
  await mkdir(options.mountPoint, { recursive: true, mode: 0o700 });
  if (!(await isMountPoint(options.mountPoint))) {
    try {
      await run('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev,noexec', image, options.mountPoint], {
        env: PATH_ENV,
      });
    } catch (error) {
      throw new RuntimeError(`cannot mount the devbox disk image: ${stderrOf(error)}`);
    }
  }
  const upper = diskDir(options.mountPoint, 'upper');
  const work = diskDir(options.mountPoint, 'work');
  for (const dir of [upper, work]) {
    if (!existsSync(dir)) {
      await mkdir(dir, { mode: 0o755 });
      // The upper dir's own owner is the owner of the devbox's `/`.
      await chown(dir, options.ids.hostStart, options.ids.hostStart);
    }
  }
  return { upper, work };
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

function stderrOf(error: unknown): string {
  return ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
}
