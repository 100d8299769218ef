/**
 * The plain-process fallback's devbox: commands are ordinary processes of
 * the server's user, each in its own process group, working in a
 * per-devbox directory. No filesystem, PID or network isolation; no limits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { userInfo } from 'node:os';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { asDevboxProcess } from './process-group.js';
import { DevboxNotRunningError, RuntimeInputError } from './errors.js';
import { copyLayer } from './layer-copy.js';
import { connectLoopback } from './port-forward.js';
import { mapProcessPath, openConfinedForRead, openConfinedForWrite, type ProcessDirs } from './process-paths.js';
import type { DevboxHandle, DevboxProcess, DevboxSpec, ExecSpec } from './types.js';
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
  /**
   * Process groups of commands that still have members. A group outlives its
   * leader while background children run; once empty it is forgotten, since
   * its number may then be reused by an unrelated group.
   */
  private readonly liveGroups = new Set<number>();
  private stopping = false;
  private gone = false;
  private stopPromise: Promise<void> | undefined;

  /** `groups` learns every process group this devbox creates (the runtime's watchdog). */
  constructor(
    private readonly spec: DevboxSpec,
    private readonly dirs: ProcessDirs,
    private readonly supervisor: ChildProcess,
    private readonly groups: { add(pgid: number): void; remove(pgid: number): void },
  ) {
    this.id = spec.id;
    this.pid = supervisor.pid ?? -1;
    groups.add(this.pid);
    this.exited = new Promise<ExitReason>((resolve) => {
      supervisor.once('exit', () => {
        this.gone = true;
        groups.remove(this.pid);
        this.signalGroups('SIGKILL');
        resolve({ reason: this.stopping ? 'stopped' : 'died' });
      });
    });
  }

  spawn(exec: ExecSpec): DevboxProcess {
    this.assertRunning();
    const cwd = execCwd(exec);
    const hostCwd = cwd === '/' ? this.dirs.home : mapCwd(this.dirs, cwd);
    const env = { ...execEnvironment(exec, this.dirs.home, userInfo().username), TMPDIR: this.dirs.tmp };
    const shell = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
    const child = spawn(shell, ['-c', exec.command], { cwd: hostCwd, env, detached: true, stdio: 'pipe' });
    const pgid = child.pid;
    if (pgid !== undefined) {
      this.liveGroups.add(pgid);
      this.groups.add(pgid);
      child.once('exit', () => this.forgetIfEmpty(pgid));
    }
    return asDevboxProcess(child);
  }

  killGroup(child: DevboxProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return child.kill(signal);
  }

  async freeze(): Promise<void> {
    this.assertRunning();
    this.signalGroups('SIGSTOP');
  }

  async thaw(): Promise<void> {
    this.signalGroups('SIGCONT');
  }

  async readFile(path: string): Promise<Readable> {
    this.assertRunning();
    const file = await openConfinedForRead(this.dirs, path);
    return file.createReadStream();
  }

  async writeFile(path: string, content: Readable | Uint8Array | string): Promise<void> {
    this.assertRunning();
    const file = await openConfinedForWrite(this.dirs, path);
    const source =
      content instanceof Readable
        ? content
        : Readable.from([typeof content === 'string' ? Buffer.from(content) : content]);
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
    return connectLoopback(port);
  }

  stop(options?: { readonly discard?: boolean }): Promise<void> {
    this.stopPromise ??= (async () => {
      this.stopping = !this.gone;
      this.signalGroups('SIGKILL');
      for (const pgid of this.liveGroups) this.groups.remove(pgid);
      this.liveGroups.clear();
      this.supervisor.kill('SIGKILL');
      await this.exited;
    })();
    if (!options?.discard) return this.stopPromise;
    return this.stopPromise.then(() => rm(this.spec.stateDir, { recursive: true, force: true }));
  }

  private signalGroups(signal: NodeJS.Signals): void {
    for (const pgid of [...this.liveGroups]) {
      try {
        process.kill(-pgid, signal);
      } catch {
        this.liveGroups.delete(pgid);
        this.groups.remove(pgid);
      }
    }
  }

  private forgetIfEmpty(pgid: number): void {
    if (groupHasMembers(pgid)) return;
    this.liveGroups.delete(pgid);
    this.groups.remove(pgid);
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

/** Whether any process still belongs to process group `pgid` (field 5 of /proc/<pid>/stat). */
function groupHasMembers(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}
