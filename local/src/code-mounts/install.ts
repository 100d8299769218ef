/**
 * Runs a code mount's `install_command` in the devbox, in the repository,
 * as the devbox user, with the devbox's environment; output goes to the
 * devbox log. A failure fails the devbox's start, as a launch command does.
 */
import { forEachLine, type LogSink } from '../devboxes/startup.js';
import type { DevboxHandle } from '../runtime/types.js';

/**
 * Runs `command` with `cwd` = the repository; throws when it exits non-zero.
 *
 * @example
 * await runInstallCommand(handle, 'npm ci', '/home/user/rx', env, log);
 */
export async function runInstallCommand(
  handle: DevboxHandle,
  command: string,
  cwd: string,
  env: Readonly<Record<string, string>>,
  log: LogSink,
): Promise<void> {
  const child = handle.spawn({ command, env, cwd });
  child.stdin.end();
  forEachLine(child.stdout, (message) => log({ level: 'info', source: 'setup_commands', cmd: command, message }));
  forEachLine(child.stderr, (message) => log({ level: 'error', source: 'setup_commands', cmd: command, message }));
  const code = await child.exited;
  log({ level: code === 0 ? 'info' : 'error', source: 'setup_commands', cmd: command, exit_code: code });
  if (code !== 0)
    throw new Error(`install_command ${JSON.stringify(command)} in ${cwd} exited with ${code ?? 'a signal'}`);
}
