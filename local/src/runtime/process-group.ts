/**
 * Process groups of devbox commands, seen from the host: signalling one,
 * knowing when every member is gone, and the shell-style exit status of a
 * leader. Shared by both runtimes and by every caller that runs commands.
 */
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { constants } from 'node:os';
import type { DevboxProcess } from './types.js';

const POLL_MS = 2;
/** After this long, members that are only zombies count as gone (see {@link signalGroup}). */
const ZOMBIE_CHECK_AFTER_MS = 20;

/**
 * The shell-style exit status: the code, or 128 + the signal's number
 * (null only when neither is known).
 *
 * @example
 * exitStatusOf(null, 'SIGKILL'); // 137
 * exitStatusOf(3, null); // 3
 */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal === null) return null;
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * The exit status of `child` ({@link exitStatusOf}; null if it failed to
 * spawn). Call it right after spawning: an exit that happens before anyone
 * listens would be missed.
 *
 * @example
 * const status = await exitOf(devbox.spawn({ command: 'make' })); // 0, 2, 137…
 */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code, signal) => resolve(exitStatusOf(code, signal)));
  });
}

/**
 * Whether any process of group `pgid` still exists. A zombie counts until it
 * is reaped (inside a devbox tini reaps it at once): `kill -0` on its pid
 * would still succeed, so it is not gone yet for anyone who looks.
 *
 * @example
 * if (groupExists(child.pid!)) console.log('background children still run');
 */
export function groupExists(pgid: number): boolean {
  return answersSignalZero(-pgid);
}

/**
 * True while process `pid` exists (a zombie counts).
 *
 * @example
 * if (!processExists(ownerPid)) takeOverStaleLock();
 */
export function processExists(pid: number): boolean {
  return answersSignalZero(pid);
}

/** `kill(target, 0)`: EPERM still means it exists (we may only not signal it). */
function answersSignalZero(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Sends `signal` to group `pgid`; for SIGKILL also waits until every member
 * is gone (reaped), so a caller that answers "killed" never races the
 * kernel. Bounded by `timeoutMs` (a stuck member, or the number reused by an
 * unrelated group): resolves either way, never rejects.
 *
 * @example
 * await signalGroup(child.pid!, 'SIGKILL'); // nothing of the command runs any more
 */
export async function signalGroup(pgid: number, signal: NodeJS.Signals, timeoutMs = 3_000): Promise<void> {
  try {
    process.kill(-pgid, signal);
  } catch {
    return; // the group is already gone
  }
  if (signal !== 'SIGKILL') return;
  const started = Date.now();
  // Inside a devbox tini reaps at once, so the group vanishes in a few ms. A
  // process-mode orphan goes to the host's PID 1, which may never reap it:
  // after a moment, zombies left to PID 1 count as gone.
  while (groupExists(pgid) && Date.now() - started < timeoutMs) {
    if (Date.now() - started > ZOMBIE_CHECK_AFTER_MS && !hasMemberToWaitFor(pgid)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Scans /proc for a member of `pgid` that lives, or is a zombie whose parent (not PID 1) will reap it. */
function hasMemberToWaitFor(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the parenthesised command: state ppid pgrp …
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && (state !== 'Z' || ppid !== '1')) return true;
  }
  return false;
}

/**
 * A host child process (leader of its own process group) seen as a
 * {@link DevboxProcess}: for the plain-process fallback.
 *
 * @example
 * const proc = asDevboxProcess(spawn('/bin/sh', ['-c', 'ls'], { detached: true, stdio: 'pipe' }));
 */
export function asDevboxProcess(child: ChildProcessWithoutNullStreams): DevboxProcess {
  const exited = exitOf(child);
  const closed = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code, signal) => resolve(exitStatusOf(code, signal)));
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exited,
    closed,
    groupAlive: () => child.pid !== undefined && groupExists(child.pid),
    kill: (signal: NodeJS.Signals = 'SIGKILL') =>
      child.pid === undefined ? Promise.resolve() : signalGroup(child.pid, signal),
  };
}
