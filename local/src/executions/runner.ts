/**
 * Runs one command in a devbox with its stdout and stderr appended to
 * output logs on disk, and reports its exit code once the output is flushed.
 */
import { PassThrough, type Readable } from 'node:stream';
import { asyncScheduler, firstValueFrom, timer, type SchedulerLike } from 'rxjs';
import type { DevboxProcess } from '../runtime/index.js';
import type { OutputLog } from './output-log.js';

/**
 * After the command exits, how long its output pipes may stay open. A
 * background child that inherited them would otherwise keep the execution
 * running forever; after this grace, if members of the command's process
 * group still live, their further output is discarded (output the command
 * wrote before it exited is never dropped: pending reads are let in first).
 *
 * @example
 * // `sh -c 'server & echo started'` completes EXIT_GRACE_MS after `sh` exits.
 */
export const EXIT_GRACE_MS = 500;

/**
 * When the command's group is gone but a pipe is still open (a descendant
 * that left the group holds it, or the EOF is not read yet), how much longer
 * to wait for the pipes to end before dropping further output.
 *
 * @example
 * // `setsid daemon & echo started` completes EXIT_GRACE_MS + ORPHAN_DRAIN_MS after `sh` exits.
 */
export const ORPHAN_DRAIN_MS = 2_000;

/**
 * Pipes `from` into `log` until it ends or `detach` is called; `flushed`
 * resolves when the log has everything it got. The log may still be opening:
 * a PassThrough holds the bytes meanwhile (Node throws away the output of a
 * child that nobody reads by the time it exits, so reading starts at once).
 */
function drainInto(
  from: Readable,
  log: OutputLog | Promise<OutputLog>,
): { readonly ended: Promise<void>; readonly flushed: Promise<void>; detach(): void } {
  const held = new PassThrough();
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const endHeld = (): void => {
    if (!held.writableEnded) held.end();
  };
  from.once('end', markEnded);
  from.once('error', markEnded);
  // A pipe that closes without 'end' (destroyed) must still finish the log.
  from.once('close', () => {
    markEnded();
    endHeld();
  });
  from.pipe(held);
  const flushed = Promise.resolve(log).then(
    (opened) =>
      new Promise<void>((resolve) => {
        const sink = opened.writable();
        sink.once('finish', resolve);
        sink.once('error', () => resolve());
        held.pipe(sink);
      }),
    () => {
      held.resume(); // no log to write to: the caller learns it from closing the log
    },
  );
  return {
    ended,
    flushed,
    detach: () => {
      from.unpipe(held);
      from.resume();
      endHeld();
    },
  };
}

/**
 * Waits for `child` to exit (`exited`, usually `child.exited`) and its output
 * to be on disk, then closes both logs. Call it right after spawning; the
 * logs may still be opening (their promises), so spawning need not wait. Resolves with the exit status (null
 * only if it is unknowable).
 *
 * @example
 * const status = await collectRun(child, child.exited, stdoutLog, stderrLog);
 */
export async function collectRun(
  child: DevboxProcess,
  exited: Promise<number | null>,
  stdout: OutputLog | Promise<OutputLog>,
  stderr: OutputLog | Promise<OutputLog>,
  scheduler: SchedulerLike = asyncScheduler,
): Promise<number | null> {
  const out = drainInto(child.stdout, stdout);
  const err = drainInto(child.stderr, stderr);
  const status = await exited;
  const bothEnded = Promise.all([out.ended, err.ended]).then(() => 'ended' as const);
  const after = (ms: number) => firstValueFrom(timer(ms, scheduler)).then(() => 'timeout' as const);
  let outcome = await Promise.race([bothEnded, after(EXIT_GRACE_MS)]);
  if (outcome === 'timeout') {
    // A stalled event loop (a loaded machine) runs due timers before it reads
    // pipes that already hold the command's last output and EOF: let that
    // pending I/O in before deciding anything.
    outcome = await Promise.race([
      bothEnded,
      new Promise<'timeout'>((resolve) => setImmediate(() => resolve('timeout'))),
    ]);
  }
  // Only live background children of the command justify dropping output;
  // with the group gone the pipes end soon (bounded: a setsid'd orphan may hold them).
  if (outcome === 'timeout' && !child.groupAlive()) {
    outcome = await Promise.race([bothEnded, after(ORPHAN_DRAIN_MS)]);
  }
  if (outcome === 'timeout') {
    out.detach();
    err.detach();
  }
  await Promise.all([out.flushed, err.flushed]);
  await Promise.all([(await stdout).close(), (await stderr).close()]);
  return status;
}
