/**
 * Starts one devbox under runc and hands back the pipes of its agent.
 *
 * The chain is `runloop-agent shim` (host, child subreaper) → `unshare
 * --mount` → `sh` (mounts the overlay root in that private mount namespace,
 * with relative paths, so neither the host nor the devbox's mountinfo ever
 * shows a host path) → `runc run -d` → the agent as the devbox's PID 1. runc
 * passes the shim's stdin/stdout pipes on to the agent, then exits; the shim
 * then waits for the agent, so its exit is the devbox's end on any host.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { DevboxStartError } from '../errors.js';

const SCRIPT = `set -eu
cd "$RL_BUNDLE"
mount -t overlay overlay -o "lowerdir=$RL_LOWER,upperdir=upper,workdir=work" rootfs
exec runc --root "$RL_RUNC_ROOT" run -d --bundle . "$RL_ID"
`;

/**
 * What {@link launchOciDevbox} needs: a bundle dir holding `config.json`,
 * `rootfs/` (empty mount point), and the links `upper`, `work` and
 * `layers/<n>` that the overlay mounts.
 *
 * @example
 * const options: OciLaunchOptions = { id: 'dbx_1', bundle: '/data/devboxes/dbx_1/bundle', lower: 'layers/0:layers/1', runcRoot: '/data/.runtime/runc', agent: '/cache/agent/ab12/runloop-agent' };
 */
export interface OciLaunchOptions {
  readonly id: string;
  readonly bundle: string;
  /** overlayfs `lowerdir`, relative to the bundle (topmost first). */
  readonly lower: string;
  readonly runcRoot: string;
  /** Host path of the agent binary (used here as the shim). */
  readonly agent: string;
}

/**
 * The launched shim: its stdin/stdout are the agent's request and event pipes; stderr carries runc's and the agent's complaints.
 *
 * @example
 * const shim = launchOciDevbox(options);
 * const agent = new AgentConnection(shim.stdin, shim.stdout);
 */
export type OciShim = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Spawns the shim. The caller learns success from the agent's READY event,
 * failure from the shim's exit (see {@link startFailure}).
 *
 * @example
 * const shim = launchOciDevbox({ id, bundle, lower, runcRoot, agent });
 */
export function launchOciDevbox(options: OciLaunchOptions): OciShim {
  return spawn(
    options.agent,
    ['shim', '/usr/bin/unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', SCRIPT],
    {
      // Own process group: a terminal's Ctrl-C reaches the server, which stops devboxes in order.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        RL_BUNDLE: options.bundle,
        RL_LOWER: options.lower,
        RL_RUNC_ROOT: options.runcRoot,
        RL_ID: options.id,
      },
    },
  );
}

/**
 * Collects the shim's stderr (bounded) for error messages and logs.
 *
 * @example
 * const tail = collectStderr(shim);
 * shim.once('exit', () => console.error(tail()));
 */
export function collectStderr(shim: OciShim, limit = 4000): () => string {
  let text = '';
  shim.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text.replace(/^\s*dmesg\(1\) may have more information.*\n?/gm, '').trim();
}

/**
 * Resolves with a {@link DevboxStartError} once the shim exits; for racing against the agent's READY.
 *
 * @example
 * await Promise.race([agent.ready, startFailure(shim, stderr).then((e) => { throw e; })]);
 */
export function startFailure(shim: OciShim, stderr: () => string): Promise<DevboxStartError> {
  return new Promise((resolve) => {
    shim.once('error', (error) => resolve(new DevboxStartError(`devbox start failed: ${error.message}`, stderr())));
    shim.once('exit', (code, signal) =>
      // Let the last stderr chunk arrive before reading it.
      setImmediate(() => resolve(new DevboxStartError(`devbox start failed (${signal ?? `exit ${code}`})`, stderr()))),
    );
  });
}
