/**
 * The devbox runtime contract: what runloop-local's services need from the
 * machine to run an isolated devbox. Two implementations exist: Linux
 * namespaces (overlayfs root, pivot_root, tini as PID 1, a cgroup per devbox)
 * and a plain-process fallback for hosts that refuse namespaces.
 *
 * Nothing here knows about HTTP, the store or the API's status names.
 */
import type { Readable, Writable } from 'node:stream';
import type { EgressPolicy } from './network/devbox-egress.js';

export type { EgressPolicy } from './network/devbox-egress.js';

/**
 * Which isolation is in force, and why, so start-up can say it plainly.
 *
 * @example
 * const { mode, detail } = runtime.info;
 * console.log(`devboxes run as ${mode}: ${detail}`);
 */
export interface RuntimeInfo {
  readonly mode: 'namespaces' | 'process';
  /** Why the fallback was chosen, or a short description of the isolation in force. */
  readonly detail: string;
  /** Whether an `isolated` devbox reaches outside (filtered) rather than loopback only. */
  readonly outboundNetwork?: boolean;
  /**
   * The host ids devbox ids map to (isolated mode): files of layers made
   * outside a devbox (pulled images) must be owned inside this range.
   */
  readonly idRange?: { readonly hostStart: number; readonly size: number };
  /** Whether {@link DevboxSpec.egressPolicy} can be enforced (isolated devboxes with the host filter and ipset). */
  readonly networkPolicies?: boolean;
}

/**
 * Resource limits of one devbox. Every field is always set: a devbox never
 * runs unlimited (defaults come from its resource size, see
 * `devboxes/limits.ts`). The process fallback cannot enforce them and says so.
 *
 * @example
 * const limits: ResourceLimits = { memoryBytes: 2 << 30, cpuCores: 1, maxPids: 1024, diskBytes: 4 << 30, shmBytes: 64 << 20 };
 */
export interface ResourceLimits {
  readonly memoryBytes: number;
  /** Fractional cores (0.5, 1, 2…), enforced as a CPU quota. */
  readonly cpuCores: number;
  /** Processes and threads at once (cgroup pids.max): a fork bomb stops here. */
  readonly maxPids: number;
  /** The devbox's writable disk (its own filesystem image): writes past it get ENOSPC. */
  readonly diskBytes: number;
  /** Size of the `/dev/shm` tmpfs (counts against memory too). */
  readonly shmBytes: number;
}

/**
 * Everything needed to start (or restart after resume) one devbox.
 *
 * @example
 * const devbox = await runtime.start({ id: 'dbx_1', stateDir: join(dataDir, 'devboxes', 'dbx_1'), layers: [], limits: {}, network: 'isolated' } satisfies DevboxSpec);
 */
export interface DevboxSpec {
  /** The API id, e.g. `dbx_…`; also names the cgroup and the hostname. */
  readonly id: string;
  /**
   * Directory owned by this devbox in the data dir. The runtime keeps the
   * writable layer (`upper/`) and its scratch (`work/`, `merged/`) in it, so
   * the filesystem survives a stop/start (suspend/resume) and a server restart.
   */
  readonly stateDir: string;
  /**
   * Extra read-only layers stacked above the base root filesystem, topmost
   * first (a snapshot of a devbox built from a blueprint: [snapshot, blueprint]).
   * Each is a directory in overlayfs upper-dir format (whiteouts, opaque dirs).
   * When the stack holds layers of a pulled image (`image-layers.ts`), those
   * are the whole root and the local base is left out.
   */
  readonly layers: readonly string[];
  readonly limits: ResourceLimits;
  /** `host` shares the server's network namespace (needed for builds); `isolated` gets its own with loopback. */
  readonly network: 'host' | 'isolated';
  /**
   * Narrows an `isolated` devbox's outbound network (a network policy), enforced on the
   * host; absent: every public address. Refused when `info.networkPolicies` is not true.
   */
  readonly egressPolicy?: EgressPolicy;
}

/**
 * How to run one process inside a devbox.
 *
 * @example
 * const child = devbox.spawn({ command: 'apt-get install -y jq', user: 'root', cwd: '/', env: { DEBIAN_FRONTEND: 'noninteractive' } } satisfies ExecSpec);
 */
export interface ExecSpec {
  /** Run with `/bin/bash -c` (or `/bin/sh -c` when bash is absent). */
  readonly command: string;
  /** Merged over the devbox's clean default environment (HOME, USER, PATH…); never the host's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Absolute path inside the devbox; defaults to `/home/user`. */
  readonly cwd?: string;
  /** Defaults to `user` (uid 1000). `root` is for builds and setup. */
  readonly user?: 'user' | 'root';
}

/**
 * One command running inside a devbox (in its own process group), seen from
 * the server. Its streams are plain Node streams; `exited` and `closed`
 * never reject.
 *
 * @example
 * const proc: DevboxProcess = devbox.spawn({ command: 'make test' });
 * proc.stdout.pipe(process.stdout);
 * console.log('exit status', await proc.exited);
 */
export interface DevboxProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /**
   * The leader's shell-style exit status (128 + n for signal n; 127 when it
   * could not be started, with the reason on stderr), or null when the devbox
   * went away before it was known.
   */
  readonly exited: Promise<number | null>;
  /** Resolves (with the exit status) once the leader exited and stdout and stderr have ended. */
  readonly closed: Promise<number | null>;
  /** Whether any member of the command's process group still lives. */
  groupAlive(): boolean;
  /**
   * Signals every member of the command's process group (default SIGKILL).
   * For SIGKILL, resolves once every member is gone; for others, once sent.
   * Never rejects.
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A running devbox. All methods are safe to call more than once.
 *
 * @example
 * const devbox: DevboxHandle = await runtime.start(spec);
 * await devbox.writeFile('hello.txt', 'hi');
 * const child = devbox.spawn({ command: 'cat hello.txt' });
 * await devbox.stop();
 */
export interface DevboxHandle {
  readonly id: string;
  /** Host PID of the devbox's PID 1 (tini), or of its supervisor in process mode. */
  readonly pid: number;
  /** Resolves when the devbox's PID 1 is gone, for whatever reason. */
  readonly exited: Promise<{ readonly reason: 'stopped' | 'died' | 'oom' }>;
  /**
   * Starts a process inside the devbox in its own process group, with piped
   * stdin/stdout/stderr; killing its group kills the command's whole tree.
   */
  spawn(exec: ExecSpec): DevboxProcess;
  /**
   * Signals every process of one command: the process group of a child from
   * `spawn` (default SIGKILL). For SIGKILL the promise resolves once every
   * member is gone (reaped), so "killed" can be answered truthfully; for
   * other signals once sent. Never rejects; ignoring the promise is fine.
   */
  killGroup(child: DevboxProcess, signal?: NodeJS.Signals): Promise<void>;
  /** Freezes every process of the devbox (cgroup freeze in namespace mode). */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Opens a file inside the devbox for reading, confined to its root (`..` and symlinks cannot escape). */
  readFile(path: string): Promise<Readable>;
  /** Writes a file inside the devbox (parents created, owned by the user), confined to its root. */
  writeFile(path: string, content: Readable | Uint8Array | string): Promise<void>;
  /**
   * Copies the writable layer into `destDir` (overlayfs format, whiteouts and
   * opaque dirs kept) while the devbox is frozen, then thaws it. The result
   * can be used as a layer in another `DevboxSpec`.
   */
  captureLayer(destDir: string): Promise<{ readonly sizeBytes: number }>;
  /**
   * Connects to a TCP port inside the devbox's network namespace (for tunnels
   * and SSH-forwarding). Resolves to a duplex socket-like stream.
   */
  connect(port: number): Promise<import('node:net').Socket>;
  /** Ends every process, unmounts, removes the cgroup. Keeps `stateDir` unless `discard`. */
  stop(options?: { readonly discard?: boolean }): Promise<void>;
}

/**
 * The runtime: one per server.
 *
 * @example
 * const runtime: DevboxRuntime = await createRuntime({ dataDir });
 * await runtime.reapOrphans();
 * const devbox = await runtime.start(spec);
 * await runtime.close();
 */
export interface DevboxRuntime {
  readonly info: RuntimeInfo;
  /** Starts a devbox and resolves once its PID 1 is ready to run commands. */
  start(spec: DevboxSpec): Promise<DevboxHandle>;
  /**
   * Cleans up after a crashed server: ends devbox processes, mounts and
   * cgroups left by an earlier run that used the same data dir.
   */
  reapOrphans(): Promise<void>;
  /**
   * Replaces the egress policy of a running devbox started with one, live:
   * DNS answers follow it at once, addresses opened by earlier answers are forgotten.
   */
  setEgressPolicy?(id: string, policy: EgressPolicy): Promise<void>;
  /** Stops every devbox this runtime started. */
  close(): Promise<void>;
}
