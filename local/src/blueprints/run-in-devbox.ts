/**
 * Runs one build command inside the build devbox, streaming its output into
 * the build log line by line, optionally feeding stdin, and ending the
 * command's process group on abort.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DevboxHandle, ExecSpec } from '../runtime/index.js';
import type { BuildLog } from './build-log.js';

/**
 * How a build command ended.
 *
 * @example
 * const { exitCode, stderrTail } = await runInDevbox(handle, { command: 'make' });
 * if (exitCode !== 0) throw new Error(stderrTail);
 */
export interface RunResult {
  readonly exitCode: number;
  /** The last lines of stderr, for the failure message. */
  readonly stderrTail: string;
  /** Captured stdout, only when `captureStdout` was asked. */
  readonly stdout: string;
}

/**
 * Options of {@link runInDevbox}.
 *
 * @example
 * await runInDevbox(handle, { command: 'cat > /etc/motd', user: 'root' }, { stdin: Readable.from(['hi\n']), log, signal: build.signal });
 */
export interface RunOptions {
  readonly stdin?: Readable;
  readonly log?: BuildLog;
  readonly captureStdout?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Runs `spec` in `handle` to completion.
 *
 * @example
 * const { exitCode } = await runInDevbox(handle, { command: 'apt-get update', user: 'root' }, { log });
 */
export function runInDevbox(handle: DevboxHandle, spec: ExecSpec, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = handle.spawn(spec);
    const tail: string[] = [];
    let stdout = '';
    const lines = (level: 'info' | 'error', onLine: (line: string) => void) => {
      let partial = '';
      return {
        push(chunk: Buffer): void {
          const text = partial + chunk.toString('utf8');
          const parts = text.split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) onLine(line);
          if (parts.length > 0) options.log?.append(level, parts.join('\n'));
        },
        end(): void {
          if (partial !== '') {
            onLine(partial);
            options.log?.append(level, partial);
          }
          partial = '';
        },
      };
    };
    const out = lines('info', () => undefined);
    const err = lines('error', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.captureStdout === true) stdout += chunk.toString('utf8');
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const onAbort = (): void => void handle.killGroup(child, 'SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.stdin) {
      // A command that exits early closes its stdin (EPIPE): its exit code tells the story.
      pipeline(options.stdin, child.stdin).catch(() => undefined);
    } else child.stdin.end();
    void child.closed.then((status) => {
      options.signal?.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      // An unknown status (the devbox went away) is a failure, never a success.
      resolve({ exitCode: status ?? 1, stderrTail: tail.join('\n'), stdout });
    });
  });
}
