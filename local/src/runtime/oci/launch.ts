/**
 * Starts one devbox through `runloop-launcher` (../launcher/launcher.c) and
 * hands back the pipes of its agent.
 *
 * The launcher makes and mounts the devbox's disk image, joins its cgroups (made and limited beforehand by
 * `DevboxCgroups.create`), mounts the overlay root in a private mount
 * namespace (relative names, so no mountinfo line shows a host path), runs
 * `crun run -d` with crun's own cgroup handling off, which leaves the agent
 * as the devbox's PID 1 holding the launcher's stdin/stdout, then sets the
 * user namespace limits and starts the network helper. It says
 * `ready <init pid>` on fd 3 and stays as the init's parent (a child
 * subreaper), so its exit is the devbox's end on any host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { DevboxStartError } from '../errors.js';

/**
 * What {@link launchOciDevbox} needs: a bundle dir holding `config.json`,
 * `rootfs/` (empty mount point), and the links `upper`, `work` and
 * `layers/<n>` that the overlay mounts.
 *
 * @example
 * const options: OciLaunchOptions = { id: 'dbx_1', bundle, lower: 'layers/0:layers/1', stateRoot, launcher, disk, joinCgroups, hide: [], userNamespaceLimits: {} };
 */
export interface OciLaunchOptions {
  readonly id: string;
  readonly bundle: string;
  /** overlayfs `lowerdir`, relative to the bundle (topmost first). */
  readonly lower: string;
  /** crun's state dir (`--root`). */
  readonly stateRoot: string;
  /** Host path of the launcher binary. */
  readonly launcher: string;
  /** The disk image (made when missing, `bytes` big, its root dir owned by host uid `owner`) and where it is mounted on the host. */
  readonly disk: { readonly image: string; readonly bytes: number; readonly owner: number; readonly mount: string };
  /** The devbox's `cgroup.procs` files: its first process is born in them. */
  readonly joinCgroups: readonly string[];
  /** Mounts hidden from crun in its private mount namespace (the v2 tree of a hybrid host). */
  readonly hide: readonly string[];
  /** `user.*` sysctls of the devbox's user namespace, set by host root from inside it. */
  readonly userNamespaceLimits: Readonly<Record<string, number>>;
  /** The network helper: its argv (`{pid}` = the init's pid; it must take `--ready-fd=3`) and the group it joins. */
  readonly network?: { readonly argv: readonly string[]; readonly joinCgroup: string };
}

/**
 * The launched devbox: `stdin`/`stdout` are the agent's request and event
 * pipes; stderr carries the launcher's, crun's and the agent's complaints.
 *
 * @example
 * const shim = launchOciDevbox(options);
 * const agent = new AgentConnection(shim.stdin, shim.stdout);
 */
export type OciShim = ChildProcess & { readonly stdin: Writable; readonly stdout: Readable; readonly stderr: Readable };

const PATH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const CRUN = '/usr/bin/crun';

/**
 * Spawns the launcher. The caller learns success from {@link launcherReady}
 * and the agent's READY, failure from the launcher's exit (see {@link startFailure}).
 *
 * @example
 * const shim = launchOciDevbox(options);
 */
export function launchOciDevbox(options: OciLaunchOptions): OciShim {
  const args = [
    '--bundle',
    options.bundle,
    '--lower',
    options.lower,
    '--pid-file',
    `${options.bundle}/init.pid`,
    ...['--disk', options.disk.image, '--disk-bytes', String(options.disk.bytes)],
    ...['--disk-owner', String(options.disk.owner), '--disk-mount', options.disk.mount],
    ...options.joinCgroups.flatMap((file) => ['--join', file]),
    ...options.hide.flatMap((dir) => ['--hide', dir]),
    ...Object.entries(options.userNamespaceLimits).flatMap(([name, value]) => ['--userns', `${name}=${value}`]),
    ...(options.network
      ? ['--net-join', options.network.joinCgroup, ...options.network.argv.flatMap((arg) => ['--net', arg])]
      : []),
    '--',
    CRUN,
    // crun never touches cgroups: they are made, limited and joined before it runs.
    '--cgroup-manager=disabled',
    '--root',
    options.stateRoot,
    'run',
    '--detach',
    '--pid-file',
    `${options.bundle}/init.pid`,
    '--bundle',
    '.',
    options.id,
  ];
  return spawn(options.launcher, args, {
    // Own process group: a terminal's Ctrl-C reaches the server, which stops devboxes in order.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    env: PATH_ENV,
  }) as OciShim;
}

/**
 * Resolves with the init's host pid once the launcher says `ready`; rejects if it closes fd 3 without.
 *
 * @example
 * const initPid = await launcherReady(shim);
 */
export function launcherReady(shim: OciShim): Promise<number> {
  const report = shim.stdio[3] as Readable;
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: report });
    lines.once('line', (line) => {
      const match = /^ready (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new DevboxStartError('the devbox launcher said something unexpected', line));
      lines.close();
    });
    lines.once('close', () =>
      reject(new DevboxStartError('the devbox launcher ended before the devbox was ready', '')),
    );
  });
}

/**
 * Collects the launcher's stderr (bounded) for error messages and logs.
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
 * Resolves with a {@link DevboxStartError} once the launcher exits; for racing against the agent's READY.
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
