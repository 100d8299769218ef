/**
 * Input checks shared by both runtimes. Everything that ends up in a mount
 * option, a cgroup name, an argv or an environment passes through here, so a
 * bad value becomes a {@link RuntimeInputError} instead of a confusing
 * failure (or worse, an injection) further down.
 */
import { posix } from 'node:path';
import { RuntimeFileError, RuntimeInputError } from './errors.js';
import type { DevboxSpec, ExecSpec, ResourceLimits } from './types.js';

/**
 * The devbox user's home inside every devbox.
 *
 * @example
 * devbox.spawn({ command: 'ls', cwd: DEVBOX_HOME });
 */
export const DEVBOX_HOME = '/home/user';

/**
 * A clean PATH: never the host's.
 *
 * @example
 * const env = { PATH: DEVBOX_PATH, HOME: DEVBOX_HOME };
 */
export const DEVBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a devbox spec: the id names cgroups and directories, and paths go
 * into overlayfs' comma/colon-separated mount options.
 *
 * @example
 * checkSpec({ id: 'dbx_1', stateDir: '/data/dbx_1', layers: [], limits: limitsFor(undefined), network: 'isolated' });
 */
export function checkSpec(spec: DevboxSpec): void {
  if (!ID_PATTERN.test(spec.id))
    throw new RuntimeInputError(`devbox id must match ${ID_PATTERN.source}: ${JSON.stringify(spec.id)}`);
  for (const dir of [spec.stateDir, ...spec.layers]) checkMountablePath(dir);
  if (spec.network !== 'host' && spec.network !== 'isolated')
    throw new RuntimeInputError(`network must be 'host' or 'isolated'`);
  checkLimits(spec.limits);
}

const MIB = 1024 * 1024;

/**
 * Checks that every limit is present and sane: a devbox never runs unlimited.
 *
 * @example
 * checkLimits({ memoryBytes: 2 << 30, cpuCores: 1, maxPids: 1024, diskBytes: 4 << 30, shmBytes: 64 << 20 });
 */
export function checkLimits(limits: ResourceLimits): void {
  const { memoryBytes, cpuCores, maxPids, diskBytes, shmBytes } = limits;
  const integer = (name: string, value: number, min: number, unit = ''): void => {
    if (!(Number.isSafeInteger(value) && value >= min))
      throw new RuntimeInputError(`${name} must be an integer ≥ ${min}${unit}, got ${value}`);
  };
  integer('memoryBytes', memoryBytes, 4 * MIB);
  integer('maxPids', maxPids, 1);
  integer('diskBytes', diskBytes, 64 * MIB);
  integer('shmBytes', shmBytes, MIB);
  if (!(Number.isFinite(cpuCores) && cpuCores >= 0.01 && cpuCores <= 1024)) {
    throw new RuntimeInputError(`cpuCores must be between 0.01 and 1024, got ${cpuCores}`);
  }
}

/**
 * A host directory that goes into an overlayfs option must be absolute and
 * free of the option separators.
 *
 * @example
 * checkMountablePath('/data/layers/snap_1');
 */
export function checkMountablePath(dir: string): void {
  if (!posix.isAbsolute(dir) || /[,:\\\n\0]/.test(dir)) {
    throw new RuntimeInputError(
      `directory must be an absolute path without , : \\ or control characters: ${JSON.stringify(dir)}`,
    );
  }
}

/**
 * The environment of a command: a clean default merged with the caller's
 * variables; never the host's.
 *
 * @example
 * execEnvironment({ command: 'env', env: { A: '1' } }, '/home/user'); // { HOME: '/home/user', …, A: '1' }
 */
export function execEnvironment(exec: ExecSpec, home: string, user: string): Record<string, string> {
  const env: Record<string, string> = {
    HOME: home,
    USER: user,
    LOGNAME: user,
    SHELL: '/bin/bash',
    PATH: DEVBOX_PATH,
    LANG: 'C.UTF-8',
  };
  for (const [key, value] of Object.entries(exec.env ?? {})) {
    if (!ENV_KEY_PATTERN.test(key))
      throw new RuntimeInputError(`invalid environment variable name: ${JSON.stringify(key)}`);
    if (typeof value !== 'string' || value.includes('\0'))
      throw new RuntimeInputError(`invalid value for environment variable ${key}`);
    env[key] = value;
  }
  return env;
}

/**
 * Turns an API path into an absolute devbox path: relative paths and `~/`
 * are under `/home/user`; `.` and `..` are folded lexically (the kernel or
 * the resolver still confines symlinks).
 *
 * @example
 * devboxPath('notes/a.txt'); // '/home/user/notes/a.txt'
 * devboxPath('/../../etc/passwd'); // '/etc/passwd'
 */
export function devboxPath(path: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0')) {
    throw new RuntimeFileError('EINVAL', String(path), 'empty, too long, or contains NUL');
  }
  const expanded = path === '~' ? DEVBOX_HOME : path.startsWith('~/') ? `${DEVBOX_HOME}/${path.slice(2)}` : path;
  const absolute = posix.resolve(DEVBOX_HOME, expanded);
  return absolute;
}

/**
 * Checks a working directory for a command (absolute inside the devbox).
 *
 * @example
 * execCwd({ command: 'ls', cwd: '/tmp' }); // '/tmp'
 */
export function execCwd(exec: ExecSpec): string {
  const cwd = exec.cwd ?? DEVBOX_HOME;
  if (!posix.isAbsolute(cwd) || cwd.includes('\0'))
    throw new RuntimeInputError(`cwd must be an absolute path: ${JSON.stringify(cwd)}`);
  return posix.normalize(cwd);
}
