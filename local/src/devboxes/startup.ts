/**
 * What runs inside a devbox each time it starts: the launch commands (in
 * order, each must succeed) and then the entrypoint, whose output goes to
 * the devbox log line by line.
 */
import type { Readable } from 'node:stream';
import type { DevboxLogEntry } from 'runloop-rx/views';
import type { DevboxHandle, DevboxProcess } from '../runtime/types.js';

/**
 * Adds one entry to the devbox log.
 *
 * @example
 * const log: LogSink = (entry) => logs.add(id, entry);
 */
export type LogSink = (entry: Omit<DevboxLogEntry, 'timestamp_ms'>) => void;

/**
 * A launch command exited non-zero; the devbox fails to start.
 *
 * @example
 * catch (e) { if (e instanceof LaunchCommandError) console.log(e.command, e.exitCode); }
 */
export class LaunchCommandError extends Error {
  override name = 'LaunchCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
  ) {
    super(`launch command ${JSON.stringify(command)} exited with ${exitCode ?? 'a signal'}`);
  }
}

/** Longest line kept in the devbox log; longer lines are cut. */
const MAX_LINE = 4096;

/**
 * Sends each line of `stream` to `onLine` (a partial last line too, at the end).
 *
 * @example
 * forEachLine(child.stdout, (line) => console.log(line));
 */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let carry = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (carry + chunk).split('\n');
    carry = (parts.pop() ?? '').slice(0, MAX_LINE);
    for (const line of parts) onLine(line.slice(0, MAX_LINE));
  });
  stream.on('end', () => {
    if (carry !== '') onLine(carry);
    carry = '';
  });
}

/**
 * Runs the launch commands one after another as the user; the first that
 * fails throws {@link LaunchCommandError}. Output goes to the log.
 *
 * @example
 * await runLaunchCommands(handle, env, ['pip install -r requirements.txt'], log);
 */
export async function runLaunchCommands(
  handle: DevboxHandle,
  env: Readonly<Record<string, string>>,
  commands: readonly string[],
  log: LogSink,
): Promise<void> {
  for (const command of commands) {
    const child = handle.spawn({ command, env });
    child.stdin.end();
    forEachLine(child.stdout, (message) => log({ level: 'info', source: 'setup_commands', cmd: command, message }));
    forEachLine(child.stderr, (message) => log({ level: 'error', source: 'setup_commands', cmd: command, message }));
    const code = await child.exited;
    log({ level: code === 0 ? 'info' : 'error', source: 'setup_commands', cmd: command, exit_code: code });
    if (code !== 0) throw new LaunchCommandError(command, code);
  }
}

/**
 * Starts the entrypoint; `onExit` is called once with its exit code.
 *
 * @example
 * const child = startEntrypoint(handle, env, 'python server.py', log, (code) => shutdown('entrypoint_exit'));
 */
export function startEntrypoint(
  handle: DevboxHandle,
  env: Readonly<Record<string, string>>,
  command: string,
  log: LogSink,
  onExit: (code: number | null) => void,
): DevboxProcess {
  const child = handle.spawn({ command, env });
  child.stdin.end();
  forEachLine(child.stdout, (message) => log({ level: 'info', source: 'entrypoint', cmd: command, message }));
  forEachLine(child.stderr, (message) => log({ level: 'error', source: 'entrypoint', cmd: command, message }));
  void child.exited.then((code) => {
    log({
      level: 'info',
      source: 'entrypoint',
      cmd: command,
      exit_code: code,
      message: `entrypoint exited with ${code}`,
    });
    onExit(code);
  });
  return child;
}
