/**
 * Path confinement for the plain-process fallback, where no mount namespace
 * does it for us: a devbox path maps into the devbox's own directory
 * (`/home/user/**` → `<stateDir>/home/**`, `/tmp/**` → `<stateDir>/tmp/**`),
 * and every symlink is resolved and checked to stay inside that directory.
 */
import { constants } from 'node:fs';
import { mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix, relative, sep } from 'node:path';
import { RuntimeFileError, type RuntimeFileErrorCode } from './errors.js';
import { DEVBOX_HOME, devboxPath } from './validate.js';

/**
 * The host directories that stand for a process devbox's `/home/user` and `/tmp`.
 *
 * @example
 * const dirs: ProcessDirs = { home: join(stateDir, 'home'), tmp: join(stateDir, 'tmp') };
 * mapProcessPath(dirs, '/tmp/a'); // { root: dirs.tmp, host: `${dirs.tmp}/a` }
 */
export interface ProcessDirs {
  readonly home: string;
  readonly tmp: string;
}

/**
 * Maps an API path to `{ root, host }`: the host directory it must stay in
 * and the (unresolved) host path. Paths outside `/home/user` and `/tmp` do
 * not exist for a process devbox.
 *
 * @example
 * mapProcessPath({ home: '/d/home', tmp: '/d/tmp' }, 'a/b.txt'); // { root: '/d/home', host: '/d/home/a/b.txt' }
 */
export function mapProcessPath(dirs: ProcessDirs, path: string): { readonly root: string; readonly host: string } {
  const absolute = devboxPath(path);
  for (const [prefix, root] of [
    [DEVBOX_HOME, dirs.home],
    ['/tmp', dirs.tmp],
  ] as const) {
    if (absolute === prefix || absolute.startsWith(`${prefix}/`)) {
      return { root, host: join(root, posix.relative(prefix, absolute)) };
    }
  }
  throw new RuntimeFileError('EACCES', path, 'process-mode devboxes only have /home/user and /tmp');
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

function fileError(error: unknown, path: string): RuntimeFileError {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, RuntimeFileErrorCode> = {
    ENOENT: 'ENOENT',
    EISDIR: 'EISDIR',
    ENOTDIR: 'ENOTDIR',
    EACCES: 'EACCES',
    EPERM: 'EACCES',
    ELOOP: 'EACCES',
    ENOSPC: 'ENOSPC',
    ENAMETOOLONG: 'EINVAL',
    // mkdir of a parent that exists as a file (or a dangling link): like the namespace writer's mkdir -p.
    EEXIST: 'ENOTDIR',
  };
  return new RuntimeFileError((code && known[code]) || 'EIO', path);
}

/**
 * Opens a devbox file for reading, after checking that its real path stays
 * inside the devbox directory.
 *
 * @example
 * const file = await openConfinedForRead(dirs, '/home/user/a.txt');
 */
export async function openConfinedForRead(dirs: ProcessDirs, path: string): Promise<FileHandle> {
  const { root, host } = mapProcessPath(dirs, path);
  try {
    const real = await realpath(host);
    if (!isInside(await realpath(root), real))
      throw new RuntimeFileError('EACCES', path, 'resolves outside the devbox');
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new RuntimeFileError('EISDIR', path);
    }
    return handle;
  } catch (error) {
    throw error instanceof RuntimeFileError ? error : fileError(error, path);
  }
}

/**
 * Opens a devbox file for writing (truncating), creating parents, after
 * checking that the parent's real path stays inside the devbox directory; a
 * symlink as the file itself is refused.
 *
 * @example
 * const file = await openConfinedForWrite(dirs, 'notes/a.txt');
 */
export async function openConfinedForWrite(dirs: ProcessDirs, path: string): Promise<FileHandle> {
  const { root, host } = mapProcessPath(dirs, path);
  try {
    const realRoot = await realpath(root);
    const parent = dirname(host);
    // Check the deepest existing ancestor before creating anything under it.
    let existing = parent;
    for (;;) {
      try {
        existing = await realpath(existing);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existing === dirname(existing)) throw error;
        existing = dirname(existing);
      }
    }
    if (!isInside(realRoot, existing)) throw new RuntimeFileError('EACCES', path, 'resolves outside the devbox');
    await mkdir(parent, { recursive: true });
    const realParent = await realpath(parent);
    if (!isInside(realRoot, realParent)) throw new RuntimeFileError('EACCES', path, 'resolves outside the devbox');
    const target = join(realParent, posix.basename(host));
    if (target === realRoot) throw new RuntimeFileError('EISDIR', path);
    return await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    throw error instanceof RuntimeFileError ? error : fileError(error, path);
  }
}
