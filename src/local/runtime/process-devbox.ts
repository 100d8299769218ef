/**
 * The plain-process fallback's devbox: commands are ordinary processes of
 * the server's user, each in its own process group, working in a
 * per-devbox directory. No filesystem, PID or network isolation; no limits.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { DevboxNotRunningError, RuntimeInputError } from './errors.js';
import { copyLayer } from './layer-copy.js';
import { mapProcessPath, openConfinedForRead, openConfinedForWrite, type ProcessDirs } from './process-paths.js';
import type { DevboxHandle, DevboxSpec, ExecSpec } from './types.js';
import { DEVBOX_HOME, execCwd, execEnvironment } from './validate.js';

type ExitReason = { readonly reason: 'stopped' | 'died' | 'oom' };

/**
 * A process-mode {@link DevboxHandle}. Its `pid` is a placeholder
 * supervisor (`sleep infinity`) whose life is the devbox's life.
 *
 * @example
 * const child = devbox.spawn({ command: 'pwd' }); // prints <stateDir>/home
 */
export class ProcessDevbox implements DevboxHandle {
  readonly id: string;
  readonly pid: number;
  readonly exited: Promise<ExitReason>;
  private readonly children = new Set<ChildProcess>();
  private stopping = false;
  private gone = false;
  private stopPromise: Promise<void> | undefined;

  constructor(
    private readonly spec: DevboxSpec,
    private readonly dirs: ProcessDirs,
    private readonly supervisor: ChildProcess,
  ) {
    this.id = spec.id;
    this.pid = supervisor.pid ?? -1;
    this.exited = new Promise<ExitReason>((resolve) => {
      supervisor.once('exit', () => {
        this.gone = true;
        for (const child of this.children) this.killGroup(child as ChildProcessWithoutNullStreams);
        resolve({ reason: this.stopping ? 'stopped' : 'died' });
      });
    });
  }

  spawn(exec: ExecSpec): ChildProcessWithoutNullStreams {
    this.assertRunning();
    const cwd = execCwd(exec);
    const hostCwd = cwd === '/' ? this.dirs.home : mapCwd(this.dirs, cwd);
    const env = { ...execEnvironment(exec, this.dirs.home, userInfo().username), TMPDIR: this.dirs.tmp };
    const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
    const child = spawn(shell, ['-c', exec.command], { cwd: hostCwd, env, detached: true, stdio: 'pipe' });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  killGroup(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals = 'SIGKILL'): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }

  async freeze(): Promise<void> {
    this.assertRunning();
    for (const child of this.children) this.killGroup(child as ChildProcessWithoutNullStreams, 'SIGSTOP');
  }

  async thaw(): Promise<void> {
    for (const child of this.children) this.killGroup(child as ChildProcessWithoutNullStreams, 'SIGCONT');
  }

  async readFile(path: string): Promise<Readable> {
    this.assertRunning();
    const file = await openConfinedForRead(this.dirs, path);
    return file.createReadStream();
  }

  async writeFile(path: string, content: Readable | Uint8Array | string): Promise<void> {
    this.assertRunning();
    const file = await openConfinedForWrite(this.dirs, path);
    const source = content instanceof Readable ? content : Readable.from([typeof content === 'string' ? Buffer.from(content) : content]);
    await pipeline(source, file.createWriteStream());
  }

  /** The layer holds the devbox's home as `home/user/**`, like a namespace layer would. */
  async captureLayer(destDir: string): Promise<{ readonly sizeBytes: number }> {
    this.assertRunning();
    await this.freeze();
    try {
      return { sizeBytes: await copyLayer(this.dirs.home, posix.join(destDir, 'home', 'user')) };
    } finally {
      await this.thaw();
    }
  }

  async connect(port: number): Promise<Socket> {
    this.assertRunning();
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RuntimeInputError(`port must be 1..65535, got ${port}`);
    return new Promise<Socket>((resolve, reject) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  stop(options?: { readonly discard?: boolean }): Promise<void> {
    this.stopPromise ??= (async () => {
      this.stopping = !this.gone;
      for (const child of this.children) {
        this.killGroup(child as ChildProcessWithoutNullStreams, 'SIGCONT');
        this.killGroup(child as ChildProcessWithoutNullStreams, 'SIGKILL');
      }
      this.supervisor.kill('SIGKILL');
      await this.exited;
    })();
    if (!options?.discard) return this.stopPromise;
    return this.stopPromise.then(() => rm(this.spec.stateDir, { recursive: true, force: true }));
  }

  private assertRunning(): void {
    if (this.gone || this.stopping) throw new DevboxNotRunningError(`devbox ${this.id} is not running`);
  }
}

function mapCwd(dirs: ProcessDirs, cwd: string): string {
  try {
    return mapProcessPath(dirs, cwd === DEVBOX_HOME ? DEVBOX_HOME : cwd).host;
  } catch {
    throw new RuntimeInputError(`cwd ${cwd} does not exist in a process-mode devbox (only /home/user and /tmp do)`);
  }
}
