/**
 * A running namespace devbox: tini as PID 1 in its own namespaces and
 * overlay root, one cgroup. Commands, files and ports all go through
 * processes that enter its namespaces; freeze and kill go through its cgroup.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DevboxCgroups } from './cgroups.js';
import { signalGroup } from './process-group.js';
import { DevboxNotRunningError, RuntimeInputError } from './errors.js';
import { readInside, writeInside, type InsideTarget } from './inside-files.js';
import { copyLayer } from './layer-copy.js';
import { nsenterArgv, type Launched } from './namespace-launch.js';
import { connectLoopback, PortForwarder } from './port-forward.js';
import type { DevboxHandle, DevboxSpec, ExecSpec } from './types.js';
import { WarmSpawner } from './warm-spawner.js';
import { DEVBOX_HOME, devboxPath, execCwd, execEnvironment } from './validate.js';

type ExitReason = { readonly reason: 'stopped' | 'died' | 'oom' };

const ACCOUNTS = {
  user: { uid: 1000, gid: 1000, home: DEVBOX_HOME, name: 'user' },
  root: { uid: 0, gid: 0, home: '/root', name: 'root' },
} as const;

/**
 * The {@link DevboxHandle} of the namespace runtime. Created by
 * `NamespaceRuntime.start`; not meant to be constructed elsewhere.
 *
 * @example
 * const child = handle.spawn({ command: 'echo hi' });
 */
export class NamespaceDevbox implements DevboxHandle {
  readonly id: string;
  readonly pid: number;
  readonly exited: Promise<ExitReason>;
  private stopping = false;
  private gone = false;
  private stopPromise: Promise<void> | undefined;
  private readonly ports: PortForwarder;
  private readonly fileTarget: InsideTarget;
  /** File writes bypass the freezer: a capture waits for them and holds new ones back. */
  private readonly writes = new Set<Promise<unknown>>();
  private capturing: Promise<unknown> = Promise.resolve();
  private frozenByCaller = false;
  /** Keeps the next command's host process ready (created on the first command). */
  private warm: WarmSpawner | undefined;
  /** The cgroup sweep after a death on its own (see the constructor). */
  private selfCleanup: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: DevboxSpec,
    private readonly launched: Launched,
    private readonly cgroups: DevboxCgroups,
    onGone: () => void,
  ) {
    this.id = spec.id;
    this.pid = launched.initPid;
    this.fileTarget = { initPid: this.pid, userns: launched.userns, ...ACCOUNTS.user };
    this.ports = new PortForwarder({ id: spec.id, initPid: this.pid, stateDir: spec.stateDir, cgroupProcs: cgroups.procsFiles() });
    const oomBefore = cgroups.oomKills();
    this.exited = new Promise<ExitReason>((resolve) => {
      launched.supervisor.once('exit', () => {
        this.gone = true;
        this.warm?.close();
        const reason = this.stopping ? 'stopped' : cgroups.oomKills() > oomBefore ? 'oom' : 'died';
        this.ports.close();
        onGone();
        // A devbox that died on its own still has its (now emptying) cgroups;
        // a later stop() waits for this sweep instead of racing it.
        if (!this.stopping) this.selfCleanup = cgroups.kill().then(() => cgroups.remove()).catch(() => undefined);
        resolve({ reason });
      });
    });
  }

  spawn(exec: ExecSpec): ChildProcessWithoutNullStreams {
    this.assertRunning();
    const account = ACCOUNTS[exec.user ?? 'user'];
    if (!account) throw new RuntimeInputError(`user must be 'user' or 'root'`);
    const argv = nsenterArgv({
      initPid: this.pid,
      userns: this.launched.userns,
      uid: account.uid,
      gid: account.gid,
      cwd: execCwd(exec),
      env: execEnvironment(exec, account.home, account.name),
      argv: [this.launched.shell, '-c', exec.command],
    });
    // The child leads its own process group (detached), which the command's
    // background children inherit inside the devbox; killGroup ends them all.
    this.warm ??= new WarmSpawner(this.cgroups.procsFiles());
    return this.warm.spawn(argv);
  }

  killGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return child.pid === undefined ? Promise.resolve() : signalGroup(child.pid, signal);
  }

  async freeze(): Promise<void> {
    this.assertRunning();
    this.frozenByCaller = true;
    await this.cgroups.freeze();
  }

  async thaw(): Promise<void> {
    this.frozenByCaller = false;
    if (this.gone) return;
    await this.cgroups.thaw();
  }

  async readFile(path: string): Promise<Readable> {
    this.assertRunning();
    return readInside(this.fileTarget, devboxPath(path));
  }

  async writeFile(path: string, content: Readable | Uint8Array | string): Promise<void> {
    this.assertRunning();
    const target = devboxPath(path);
    await this.capturing;
    const write = writeInside(this.fileTarget, target, content);
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
      await this.cgroups.freeze();
      try {
        await Promise.allSettled([...this.writes]);
        return { sizeBytes: await copyLayer(join(this.spec.stateDir, 'upper'), destDir) };
      } finally {
        // A devbox the caller froze (suspended) stays frozen after the capture.
        if (!this.gone && !this.frozenByCaller) await this.cgroups.thaw();
      }
    })();
    this.capturing = capture.catch(() => undefined);
    return capture;
  }

  async connect(port: number): Promise<Socket> {
    this.assertRunning();
    if (this.spec.network === 'host') return connectLoopback(port);
    return this.ports.connect(port);
  }

  stop(options?: { readonly discard?: boolean }): Promise<void> {
    this.stopPromise ??= this.stopNow();
    const stopped = this.stopPromise;
    if (!options?.discard) return stopped;
    return stopped.then(() => rm(this.spec.stateDir, { recursive: true, force: true }));
  }

  private async stopNow(): Promise<void> {
    this.stopping = !this.gone;
    this.ports.close();
    this.warm?.close();
    // Kill PID 1 first, so its parent (unshare, still alive) reaps it and the
    // kernel ends the whole pid namespace; then sweep what lives outside it
    // (host-side nsenter wrappers, socat) with cgroup.kill. SIGKILL reaches frozen tasks too.
    if (!this.gone) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      // A frozen unshare could never reap tini: thaw (the kill is already pending, nothing else runs on).
      await this.cgroups.thaw().catch(() => undefined);
    }
    await this.exited;
    await this.selfCleanup;
    await this.cgroups.kill();
    await this.cgroups.remove();
  }

  private assertRunning(): void {
    if (this.gone || this.stopping) throw new DevboxNotRunningError(`devbox ${this.id} is not running`);
  }
}
