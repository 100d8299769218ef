/**
 * Runs one command in a devbox with its stdout and stderr appended to
 * output logs on disk, and reports its exit code once the output is flushed.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { asyncScheduler, firstValueFrom, timer, type SchedulerLike } from 'rxjs';
import type { OutputLog } from './output-log.js';

/**
 * After the command exits, how long its output pipes may stay open. A
 * background child that inherited them would otherwise keep the execution
 * running forever; after this grace its further output is discarded.
 *
 * @example
 * // `sh -c 'server & echo started'` completes EXIT_GRACE_MS after `sh` exits.
 */
export const EXIT_GRACE_MS = 500;

const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};

/**
 * The shell-style exit status: the code, or 128 + the signal's number.
 *
 * @example
 * exitStatusOf(null, 'SIGKILL'); // 137
 */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  if (signal === null) return null;
  return 128 + (SIGNALS[signal] ?? 0);
}

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
 * The exit status of `child`. Call it right after spawning: an exit that
 * happens before anyone listens would be missed.
 *
 * @example
 * const exited = exitOf(spawn('ls'));
 */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code, signal) => resolve(exitStatusOf(code, signal)));
  });
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
  const outcome = await Promise.race([bothEnded, firstValueFrom(timer(EXIT_GRACE_MS, scheduler)).then(() => 'grace' as const)]);
  if (outcome === 'grace') {
    out.detach();
    err.detach();
  }
  await Promise.all([out.flushed, err.flushed]);
  await Promise.all([stdout.close(), stderr.close()]);
  return status;
}
