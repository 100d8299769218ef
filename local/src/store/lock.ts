/**
 * One server per data dir. Two servers on one dir would share a database
 * and each would reap the other's devboxes as orphans, so the second one
 * is refused. A lock left by a killed server is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const held = new Set<string>();

/**
 * Thrown when another live server holds the data dir.
 *
 * @example
 * startLocalServer({ dataDir }).catch((e) => e instanceof DataDirLockedError);
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`data dir ${dataDir} is in use by another runloop-local server (pid ${pid})`);
    this.name = 'DataDirLockedError';
  }
}

/** The kernel's start time of a live process (clock ticks since boot); undefined if gone or a zombie. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

function isAlive(owner: { pid: number; start?: string }): boolean {
  if (owner.pid === process.pid) return true;
  const start = startTimeOf(owner.pid);
  return start !== undefined && (owner.start === undefined || owner.start === start);
}

/**
 * Takes `<dataDir>/server.lock` for this process; returns its release.
 *
 * @example
 * const release = acquireDataDirLock(dataDir);
 * // … on stop:
 * release();
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const path = join(dataDir, 'server.lock');
  if (held.has(path)) throw new DataDirLockedError(dataDir, process.pid);
  const mine = JSON.stringify({ pid: process.pid, start: startTimeOf(process.pid) });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      held.add(path);
      return () => {
        held.delete(path);
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: { pid: number; start?: string } | undefined;
    try {
      owner = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; start?: string };
    } catch {
      owner = undefined;
    }
    if (owner !== undefined && typeof owner.pid === 'number' && isAlive(owner))
      throw new DataDirLockedError(dataDir, owner.pid);
    // Left behind by a server that died: take it over.
    rmSync(path, { force: true });
  }
  throw new DataDirLockedError(dataDir, -1);
}
