/**
 * One SSH session channel bound to a devbox: `exec` runs the command as the
 * devbox user (uid 1000) through the runtime and forwards its exit status;
 * `shell` runs bash (under `script` for a pseudo-terminal when one was
 * requested, since the runtime's spawn has pipes only).
 */
import type { ServerChannel, Session } from 'ssh2';
import { constants } from 'node:os';
import type { DevboxHandle, DevboxProcess } from '../runtime/types.js';
import { shellQuote } from '../blueprints/dockerfile/shell-quote.js';

/**
 * Serves one session of an authenticated client.
 *
 * @example
 * client.on('session', (accept) => serveSession(accept(), () => handles.get(devboxId)));
 */
export function serveSession(
  session: Session,
  handleOf: () => DevboxHandle | undefined,
  devboxEnv: Readonly<Record<string, string>> = {},
): void {
  const env: Record<string, string> = { ...devboxEnv };
  let pty: { term: string; cols: number; rows: number } | undefined;
  const children = new Set<DevboxProcess>();

  session.on('env', (accept, _reject, info) => {
    // Only names a shell could export; never let a client set the loader path.
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(info.key) && !info.key.startsWith('LD_')) env[info.key] = info.val;
    accept?.();
  });
  session.on('pty', (accept, _reject, info) => {
    pty = { term: info.term, cols: info.cols, rows: info.rows };
    accept?.();
  });
  session.on('window-change', (accept) => accept?.());
  session.on('exec', (accept, reject, info) => {
    const handle = handleOf();
    if (handle === undefined) return reject?.();
    const channel = accept();
    run(handle, channel, info.command, env, children);
  });
  session.on('shell', (accept, reject) => {
    const handle = handleOf();
    if (handle === undefined) return reject?.();
    const channel = accept();
    // The runtime spawns with pipes only; `script` gives bash a real terminal when the client asked for one.
    const command = pty
      ? `exec script -qfec ${shellQuote(`stty cols ${pty.cols} rows ${pty.rows}; exec /bin/bash -l`)} /dev/null`
      : 'exec /bin/bash';
    run(handle, channel, command, { ...env, ...(pty ? { TERM: pty.term || 'xterm' } : {}) }, children);
  });
  session.on('subsystem', (_accept, reject) => reject?.());
  session.on('close', () => {
    // Fire and forget: the session is gone, nobody waits for the groups to vanish,
    // and killGroup never rejects (a group that is already gone counts as killed).
    for (const child of children) void handleOf()?.killGroup(child, 'SIGKILL');
  });
}

function run(
  handle: DevboxHandle,
  channel: ServerChannel,
  command: string,
  env: Readonly<Record<string, string>>,
  children: Set<DevboxProcess>,
): void {
  let child: DevboxProcess;
  try {
    child = handle.spawn({ command, env, user: 'user' });
  } catch (error) {
    channel.stderr.write(`runloop-local: cannot start the command: ${(error as Error).message}\n`);
    channel.exit(127);
    channel.end();
    return;
  }
  children.add(child);
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.stdin.on('error', () => undefined); // the command may exit before reading its input
  channel.on('error', () => undefined);
  void child.closed.then((status) => {
    children.delete(child);
    // A shell-style status above 128 is the signal that ended the command.
    const signal = status !== null && status > 128 ? signalName(status - 128) : undefined;
    if (signal !== undefined) channel.exit(signal.replace(/^SIG/, ''), false, '');
    else channel.exit(status ?? 1);
    channel.end();
  });
}

/** `SIGTERM` for 15; undefined for a number no signal has. */
function signalName(number: number): string | undefined {
  return Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
}
