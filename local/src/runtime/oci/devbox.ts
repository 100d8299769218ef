/**
 * A running OCI devbox: its agent as PID 1 under crun, its cgroup (freeze,
 * kill, limits), its disk image. Commands and file access go through the
 * agent; ports through a host socat in its network namespace; freeze and
 * kill through its cgroup v2 group.
 */
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { AgentConnection } from '../agent/connection.js';
import type { DevboxCgroups } from '../cgroups.js';
import { DevboxNotRunningError, RuntimeInputError } from '../errors.js';
import { readInside, writeInside } from '../inside-files.js';
import { copyLayer } from '../layer-copy.js';
import { connectLoopback, PortForwarder } from '../port-forward.js';
import type { DevboxHandle, DevboxProcess, DevboxSpec, ExecSpec } from '../types.js';
import { DEVBOX_HOME, devboxPath, execCwd, execEnvironment } from '../validate.js';
import type { Launch } from './launchers.js';
import { releaseDevbox } from './release.js';

type ExitReason = { readonly reason: 'stopped' | 'died' | 'oom' };

/**
 * The accounts a command may run as: the devbox user (default) and devbox root.
 *
 * @example
 * ACCOUNTS.user.uid; // 1000
 */
export const ACCOUNTS = {
  user: { uid: 1000, gid: 1000, home: DEVBOX_HOME, name: 'user' },
  root: { uid: 0, gid: 0, home: '/root', name: 'root' },
} as const;

/** How long a stop waits for the devbox's init to be reaped before it ends the launcher itself. */
const STOP_WAIT_MS = 10_000;
/** A stop's freeze gives up quickly: the kill that follows works on running tasks too. */
const STOP_FREEZE_MS = 1_000;

/**
 * What an {@link OciDevbox} is made of; built by `OciRuntime.start`.
 *
 * @example
 * new OciDevbox({ spec, launch, agent, shell: '/bin/bash', initPid, cgroups, diskMount, upperDir, stateRoot, bundle, onGone });
 */
export interface OciDevboxParts {
  readonly spec: DevboxSpec;
  /** Its launcher, the init's host-side parent: its exit is the devbox's end. */
  readonly launch: Launch;
  readonly agent: AgentConnection;
  readonly shell: '/bin/bash' | '/bin/sh';
  /** Host PID of the agent (the devbox's PID 1). */
  readonly initPid: number;
  readonly cgroups: DevboxCgroups;
  /** Where the disk image is mounted on the host, and the upper dir inside it. */
  readonly diskMount: string;
  readonly upperDir: string;
  readonly stateRoot: string;
  /** The OCI bundle (config, overlay mount point), removed at stop. */
  readonly bundle: string;
  readonly onGone: () => void;
}

/**
 * The {@link DevboxHandle} of the OCI runtime.
 *
 * @example
 * const proc = devbox.spawn({ command: 'echo hi' });
 */
export class OciDevbox implements DevboxHandle {
  readonly id: string;
  readonly pid: number;
  readonly exited: Promise<ExitReason>;
  private stopping = false;
  private gone = false;
  private stopPromise: Promise<void> | undefined;
  private readonly ports: PortForwarder;
  /** File writes bypass the freezer: a capture waits for them and holds new ones back. */
  private readonly writes = new Set<Promise<unknown>>();
  private capturing: Promise<unknown> = Promise.resolve();
  private frozenByCaller = false;

  constructor(private readonly parts: OciDevboxParts) {
    this.id = parts.spec.id;
    this.pid = parts.initPid;
    this.ports = new PortForwarder({
      id: parts.spec.id,
      initPid: parts.initPid,
      stateDir: parts.spec.stateDir,
      cgroupProcs: parts.cgroups.procsFiles().slice(0, 1),
    });
    const oomBefore = parts.cgroups.oomKills();
    this.exited = new Promise<ExitReason>((resolve) => {
      void parts.launch.exited.then(() => {
        this.gone = true;
        const reason = this.stopping ? 'stopped' : parts.cgroups.oomKills() > oomBefore ? 'oom' : 'died';
        this.ports.close();
        // A devbox that died on its own leaves its helpers (network, ports) in its group: end them now.
        if (!this.stopping) void parts.cgroups.kill().catch(() => undefined);
        parts.onGone();
        resolve({ reason });
      });
    });
  }

  spawn(exec: ExecSpec): DevboxProcess {
    const account = ACCOUNTS[exec.user ?? 'user'];
    if (!account) throw new RuntimeInputError(`user must be 'user' or 'root'`);
    return this.spawnArgv(
      [this.parts.shell, '-c', exec.command],
      exec.user ?? 'user',
      execEnvironment(exec, account.home, account.name),
      execCwd(exec),
    );
  }

  /**
   * Runs an argv (no shell) as `user`; for the runtime's own helpers.
   *
   * @example
   * devbox.spawnArgv(['/bin/cat', '/etc/hostname'], 'user');
   */
  spawnArgv(
    argv: readonly string[],
    user: 'user' | 'root',
    env?: Readonly<Record<string, string>>,
    cwd = '/',
  ): DevboxProcess {
    this.assertRunning();
    const account = ACCOUNTS[user];
    return this.parts.agent.spawn({
      uid: account.uid,
      gid: account.gid,
      cwd,
      argv,
      env: env ?? { PATH: '/usr/bin:/bin', HOME: account.home, LC_ALL: 'C' },
    });
  }

  killGroup(child: DevboxProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return child.kill(signal);
  }

  async freeze(): Promise<void> {
    this.assertRunning();
    this.frozenByCaller = true;
    await this.parts.cgroups.freeze();
  }

  async thaw(): Promise<void> {
    this.frozenByCaller = false;
    if (this.gone) return;
    await this.parts.cgroups.thaw();
  }

  async readFile(path: string): Promise<Readable> {
    this.assertRunning();
    return readInside((argv) => this.spawnArgv(argv, 'user'), devboxPath(path));
  }

  async writeFile(path: string, content: Readable | Uint8Array | string): Promise<void> {
    this.assertRunning();
    const target = devboxPath(path);
    await this.capturing;
    const write = writeInside((argv) => this.spawnArgv(argv, 'user'), target, content);
    this.writes.add(write);
    try {
      await write;
    } finally {
      this.writes.delete(write);
    }
  }

  async captureLayer(destDir: string): Promise<{ readonly sizeBytes: number }> {
    this.assertRunning();
    const capture = (async () => {
      await Promise.allSettled([...this.writes]);
      await this.parts.cgroups.freeze();
      try {
        return { sizeBytes: await copyLayer(this.parts.upperDir, destDir) };
      } finally {
        // A devbox the caller froze (suspended) stays frozen after the capture.
        if (!this.gone && !this.frozenByCaller) await this.parts.cgroups.thaw();
      }
    })();
    this.capturing = capture.catch(() => undefined);
    return capture;
  }

  async connect(port: number): Promise<Socket> {
    this.assertRunning();
    if (this.parts.spec.network === 'host') return connectLoopback(port);
    return this.ports.connect(port);
  }

  stop(options?: { readonly discard?: boolean }): Promise<void> {
    this.stopPromise ??= this.stopNow();
    const stopped = this.stopPromise;
    if (!options?.discard) return stopped;
    return stopped.then(() => rm(this.parts.spec.stateDir, { recursive: true, force: true }));
  }

  private async stopNow(): Promise<void> {
    this.stopping = !this.gone;
    this.ports.close();
    const { cgroups } = this.parts;
    if (!this.gone) {
      // Freeze first: a fork bomb stops forking, so the kill below has a fixed set to end. Briefly:
      // a group that will not freeze (a task stuck in the kernel) is killed unfrozen all the same.
      await cgroups.freeze(STOP_FREEZE_MS).catch(() => undefined);
      await cgroups.kill().catch(() => undefined);
      await cgroups.thaw().catch(() => undefined);
    }
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    if (!this.gone) {
      // The launcher outlived its devbox's processes (it should not): end it, we started it.
      this.parts.launch.kill();
      await this.exited;
    }
    this.parts.agent.close();
    // Whatever still lives in the group outside the devbox's pid namespace (the network helper, a
    // port forwarder) goes too, also when the devbox had died on its own before this stop.
    const { stateRoot, diskMount, bundle } = this.parts;
    await releaseDevbox({ id: this.id, cgroups, stateRoot, diskMount, bundle });
  }

  private assertRunning(): void {
    if (this.gone || this.stopping) throw new DevboxNotRunningError(`devbox ${this.id} is not running`);
  }
}
