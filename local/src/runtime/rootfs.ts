/**
 * The base root filesystem every devbox starts from: a minimal Debian
 * bookworm with a `user` account, built once by scripts/prepare-rootfs.sh
 * and cached per version. Several processes (vitest workers, a CLI and a
 * test) may ask at once: one builds under a lock, into a temporary directory
 * renamed into place atomically; the others wait and reuse it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeUnavailableError } from './errors.js';
import { processExists } from './process-group.js';

/**
 * Bump when prepare-rootfs.sh changes what it builds: a new tag builds a new cache entry.
 *
 * @example
 * const cached = join(defaultRootfsCacheDir(), ROOTFS_VERSION); // one directory per version
 */
export const ROOTFS_VERSION = 'bookworm-minbase-v1';

/** Where prepare-rootfs.sh lives, from src/ or dist/ alike. */
const PREPARE_SCRIPT = fileURLToPath(new URL('../../scripts/prepare-rootfs.sh', import.meta.url));

/** A lock older than this with a live owner is still considered held (debootstrap is ~40 s). */
const LOCK_MAX_AGE_MS = 15 * 60_000;
const LOCK_POLL_MS = 250;

/**
 * Options of {@link ensureBaseRootfs}.
 *
 * @example
 * const options: EnsureRootfsOptions = { cacheDir: '/var/cache/runloop-local/rootfs', log: console.log };
 */
export interface EnsureRootfsOptions {
  /** Defaults to `${XDG_CACHE_HOME:-~/.cache}/runloop-local/rootfs`. */
  readonly cacheDir?: string;
  /** One line per notable event (e.g. "preparing the base root filesystem once…"). */
  readonly log?: (line: string) => void;
  /** Debian mirror; defaults to http://deb.debian.org/debian. */
  readonly mirror?: string;
}

/**
 * The default cache directory for root filesystems.
 *
 * @example
 * defaultRootfsCacheDir(); // '/root/.cache/runloop-local/rootfs'
 */
export function defaultRootfsCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'runloop-local', 'rootfs');
}

/**
 * Returns the base rootfs directory, building it once (~40 s, needs root and
 * Debian's mirror) when the cache lacks it. Idempotent and safe to call from
 * several processes at once.
 *
 * @example
 * const rootfs = await ensureBaseRootfs({ log: console.log });
 * // '/root/.cache/runloop-local/rootfs/bookworm-minbase-v1'
 */
export async function ensureBaseRootfs(options: EnsureRootfsOptions = {}): Promise<string> {
  return ensureCachedBuild({
    cacheDir: options.cacheDir ?? defaultRootfsCacheDir(),
    tag: ROOTFS_VERSION,
    build: (temp) => runPrepareScript(temp, options.mirror),
    onBuild: () => {
      const line = 'runloop-local: preparing the base root filesystem once (~40 s, cached afterwards)…';
      options.log?.(line);
      // Also on stderr, whatever the logger: a first run must not sit silent for a minute.
      process.stderr.write(`${line}\n`);
    },
    onReady: (target) => options.log?.(`runloop-local: base root filesystem ready at ${target}`),
  });
}

/**
 * The cache discipline behind {@link ensureBaseRootfs}, separate from
 * debootstrap so it can be tested: returns `<cacheDir>/<tag>`, running
 * `build(tempDir)` at most once across processes (lock dir with stale-owner
 * takeover; build in a temp dir, then an atomic rename).
 *
 * @example
 * await ensureCachedBuild({ cacheDir, tag: 'v1', build: async (dir) => writeFile(join(dir, 'x'), '') });
 */
export async function ensureCachedBuild(options: {
  readonly cacheDir: string;
  readonly tag: string;
  readonly build: (tempDir: string) => Promise<void>;
  readonly onBuild?: () => void;
  readonly onReady?: (target: string) => void;
}): Promise<string> {
  const { cacheDir, tag } = options;
  const target = join(cacheDir, tag);
  if (isComplete(target)) return target;
  await mkdir(cacheDir, { recursive: true });
  const lock = join(cacheDir, `${tag}.lock`);
  await acquireLock(lock);
  try {
    // Another process may have finished while we waited for the lock.
    if (isComplete(target)) return target;
    await removeLeftovers(cacheDir, tag);
    options.onBuild?.();
    const temp = join(cacheDir, `${tag}.tmp-${process.pid}-${Date.now()}`);
    try {
      await mkdir(temp);
      await options.build(temp);
      await writeFile(join(temp, COMPLETE_MARKER), `${tag}\n`);
      await rm(target, { recursive: true, force: true });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    options.onReady?.(target);
    return target;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Written last into a finished build: its presence is what "cached" means.
 *
 * @example
 * const ready = existsSync(join(rootfsDir, COMPLETE_MARKER));
 */
export const COMPLETE_MARKER = '.runloop-rootfs-complete';

function isComplete(target: string): boolean {
  return existsSync(join(target, COMPLETE_MARKER));
}

/** Temp dirs of builds that crashed (we hold the lock, so no build is running). */
async function removeLeftovers(cacheDir: string, tag: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    if (name.startsWith(`${tag}.tmp-`)) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
}

/**
 * An exclusive lock: a directory (mkdir is atomic) holding the owner's pid.
 * A lock whose owner is dead, or that is far older than any build, is stale.
 */
async function acquireLock(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'owner'), `${process.pid}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isStaleLock(lock)) {
      // Rename first so two waiters cannot both delete a fresh lock taken in between.
      const aside = `${lock}.stale-${process.pid}-${Date.now()}`;
      await rename(lock, aside).catch(() => undefined);
      await rm(aside, { recursive: true, force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

async function isStaleLock(lock: string): Promise<boolean> {
  try {
    const info = await stat(lock);
    if (Date.now() - info.mtimeMs > LOCK_MAX_AGE_MS) return true;
    const owner = Number.parseInt(await readFile(join(lock, 'owner'), 'utf8'), 10);
    if (!Number.isSafeInteger(owner)) {
      // The owner may be between mkdir and writing its pid: give it a moment.
      return Date.now() - info.mtimeMs > 10_000;
    }
    return !processExists(owner);
  } catch {
    return false; // vanished meanwhile: the next mkdir attempt decides
  }
}

function runPrepareScript(target: string, mirror: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [PREPARE_SCRIPT, target, ...(mirror ? [mirror] : [])];
    const child = spawn('/bin/sh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new RuntimeUnavailableError(
            `building the base root filesystem failed (exit ${code}): ${tail.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
    });
  });
}
