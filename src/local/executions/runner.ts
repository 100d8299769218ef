/**
 * Runs one command in a devbox with its stdout and stderr appended to
 * output logs on disk, and reports its exit code once the output is flushed.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { asyncScheduler, firstValueFrom, timer, type SchedulerLike } from 'rxjs';
import { exitOf, exitStatusOf, groupExists } from '../runtime/index.js';
import type { OutputLog } from './output-log.js';

// Moved to the runtime (shared with builds and devbox start-up); re-exported for existing callers.
export { exitOf, exitStatusOf };

/**
 * After the command exits, how long its output pipes may stay open. A
 * background child that inherited them would otherwise keep the execution
 * running forever; after this grace its further output is discarded.
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

/** Pipes `from` into `log` until it ends or `detach` is called; resolves when the log has everything it got. */
function drainInto(from: Readable, log: OutputLog): { readonly ended: Promise<void>; readonly flushed: Promise<void>; detach(): void } {
  const sink = log.writable();
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const flushed = new Promise<void>((resolve) => {
    sink.once('finish', resolve);
    sink.once('error', () => resolve());
  });
  const endSink = (): void => {
    if (!sink.writableEnded) sink.end();
  };
  from.once('end', markEnded);
  from.once('error', markEnded);
  // A pipe that closes without 'end' (destroyed) must still finish the sink.
  from.once('close', () => {
    markEnded();
    endSink();
  });
  from.pipe(sink);
  return {
    ended,
    flushed,
    detach: () => {
      from.unpipe(sink);
      from.resume();
      endSink();
    },
  };
}

/**
 * Waits for `child` to exit (`exited`, from {@link exitOf}) and its output
 * to be on disk, then closes both logs. Resolves with the exit status (null
 * only if it is unknowable).
 *
 * @example
 * const status = await collectRun(child, exitOf(child), stdoutLog, stderrLog);
 */
export async function collectRun(
  child: ChildProcessWithoutNullStreams,
  exited: Promise<number | null>,
  stdout: OutputLog,
  stderr: OutputLog,
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
    outcome = await Promise.race([bothEnded, new Promise<'timeout'>((resolve) => setImmediate(() => resolve('timeout')))]);
  }
  // Only live background children of the command justify dropping output;
  // with the group gone the pipes end soon (bounded: a setsid'd orphan may hold them).
  if (outcome === 'timeout' && (child.pid === undefined || !groupExists(child.pid))) {
    outcome = await Promise.race([bothEnded, after(ORPHAN_DRAIN_MS)]);
  }
  if (outcome === 'timeout') {
    out.detach();
    err.detach();
  }
  await Promise.all([out.flushed, err.flushed]);
  await Promise.all([stdout.close(), stderr.close()]);
  return status;
}
