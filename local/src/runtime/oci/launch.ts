/**
 * Starts one devbox through `runloop-launcher` (../launcher/launcher.c),
 * forked by the runtime's serve process (./launchers.ts).
 *
 * The launcher makes and mounts the devbox's disk image, joins its cgroups (made and limited beforehand by
 * `DevboxCgroups.create`), mounts the overlay root in a private mount
 * namespace (relative names, so no mountinfo line shows a host path), runs
 * `crun run -d` with crun's own cgroup handling off, which leaves the agent
 * as the devbox's PID 1 holding the launcher's stdin/stdout, then sets the
 * user namespace limits and starts the network helper. It reports ready
 * with the init's pid and stays as the init's parent (a child subreaper),
 * so its exit is the devbox's end on any host.
 */
import type { Launch, Launchers } from './launchers.js';

/**
 * What {@link launchOciDevbox} needs: a bundle dir holding `config.json`,
 * `rootfs/` (empty mount point), and the links `upper`, `work` and
 * `layers/<n>` that the overlay mounts.
 *
 * @example
 * const options: OciLaunchOptions = { id: 'dbx_1', bundle, lower: 'layers/0:layers/1', stateRoot, disk, joinCgroups, hide: [], userNamespaceLimits: {} };
 */
export interface OciLaunchOptions {
  readonly id: string;
  readonly bundle: string;
  /** overlayfs `lowerdir`, relative to the bundle (topmost first). */
  readonly lower: string;
  /** crun's state dir (`--root`). */
  readonly stateRoot: string;
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

const CRUN = '/usr/bin/crun';

/**
 * Asks `launchers` to start the devbox (see ./launchers.ts for what comes
 * back: the agent's channel, the init's pid, the launcher's exit). The
 * launcher's stderr (its own, crun's and the agent's complaints) goes to
 * `<bundle>/launcher.log`.
 *
 * @example
 * const launch = launchOciDevbox(launchers, options);
 * const agent = new AgentConnection(await launch.connected, await launch.connected);
 */
export function launchOciDevbox(launchers: Launchers, options: OciLaunchOptions): Launch {
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
  return launchers.launch(args, `${options.bundle}/launcher.log`);
}
