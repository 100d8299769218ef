/**
 * The runtime's one `runloop-launcher serve` process, which forks a launcher
 * for every devbox start, so no start forks the server (see
 * ../launcher/README.md). Each launcher connects back to a unix socket this
 * module listens on (root only, under the runtime's /run dir), names itself
 * with its tag and hands the connection to the devbox's agent as its
 * channel. The serve process reports `started`, `ready` and `exit` per tag
 * on its stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { DevboxStartError } from '../errors.js';

/** How long a launcher may take to connect back and name itself. */
const HELLO_TIMEOUT_MS = 30_000;
const MAX_TAG = 63;
const LOG_TAIL_BYTES = 4000;

/**
 * One launched devbox, as the serve process and the socket report it.
 *
 * @example
 * const launch = launchers.launch(args, `${bundle}/launcher.log`);
 * const channel = await launch.connected; const initPid = await launch.ready;
 */
export interface Launch {
  /** The launcher's pid (for a last-resort kill), once forked. */
  readonly pid: Promise<number>;
  /** The agent's channel (requests out, events in), once the launcher connected; paused until its reader resumes it. */
  readonly connected: Promise<Socket>;
  /** The devbox init's host pid, once the launcher said ready. */
  readonly ready: Promise<number>;
  /** The launcher's exit: shell-style status (128 + signal), for the devbox's end. */
  readonly exited: Promise<number>;
  /** The tail of what the launcher, crun and the agent wrote to stderr (the log file). */
  stderr(): string;
  /** SIGKILLs the launcher (the devbox's processes go with its cgroup, not this). */
  kill(): void;
}

/** A promise with its settle functions, for results that arrive as events. */
interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  // Nobody may be waiting on a step when the start fails.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface Pending {
  readonly log: string;
  readonly pid: Deferred<number>;
  readonly connected: Deferred<Socket>;
  readonly ready: Deferred<number>;
  readonly exited: Deferred<number>;
  launcherPid?: number;
}

/** A start that cannot go on: every step not reached yet fails with `error` (settled ones stay). */
function failStart(entry: Pending, error: Error): void {
  entry.pid.reject(error);
  entry.connected.reject(error);
  entry.ready.reject(error);
}

/**
 * Starts devboxes through one serve process.
 *
 * @example
 * const launchers = await Launchers.start('/cache/runloop-launcher/ab12/runloop-launcher', '/run/runloop-local/x/launch.sock');
 * const launch = launchers.launch(['--bundle', bundle, …, '--', '/usr/bin/crun', …], `${bundle}/launcher.log`);
 */
export class Launchers {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  private constructor(
    private readonly serve: ChildProcess,
    private readonly server: Server,
    private readonly socketPath: string,
  ) {
    createInterface({ input: serve.stdout! }).on('line', (line) => this.onEvent(line));
    serve.stderr?.setEncoding('utf8').on('data', () => undefined);
    // The serve process gone (it should never go first): no launcher's exit would be reported any
    // more, so every devbox counts as ended now; the runtime then kills what is left in their cgroups.
    serve.once('exit', () => {
      for (const [tag, entry] of this.pending) {
        this.pending.delete(tag);
        failStart(entry, new DevboxStartError('the devbox launcher service ended', ''));
        entry.exited.resolve(125);
      }
    });
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /**
   * Listens on `socketPath` (0600, root) and starts the serve process.
   *
   * @example
   * const launchers = await Launchers.start(binary, '/run/runloop-local/runloop-local-ab12/launch.sock');
   */
  static async start(binary: string, socketPath: string): Promise<Launchers> {
    await rm(socketPath, { force: true });
    const server = createServer({ allowHalfOpen: false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o600);
    server.unref();
    const serve = spawn(binary, ['serve', socketPath], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      // Own process group: a terminal's Ctrl-C reaches the server, which stops devboxes in order.
      detached: true,
    });
    serve.unref();
    (serve.stdout as unknown as { unref?: () => void }).unref?.();
    return new Launchers(serve, server, socketPath);
  }

  /**
   * Asks for one devbox start with the launcher's arguments (see launcher.c); its stderr goes to `logFile`.
   *
   * @example
   * const launch = launchers.launch(['--bundle', bundle, '--lower', 'layers/0', '--pid-file', pidFile, '--', crun, …], logFile);
   */
  launch(args: readonly string[], logFile: string): Launch {
    const tag = `${process.pid.toString(36)}-${randomBytes(12).toString('hex')}`.slice(0, MAX_TAG);
    const entry: Pending = {
      log: logFile,
      pid: deferred(),
      connected: deferred(),
      ready: deferred(),
      exited: deferred(),
    };
    this.pending.set(tag, entry);
    if (this.ended) {
      this.pending.delete(tag);
      failStart(entry, new DevboxStartError('the devbox launcher service has ended', ''));
      entry.exited.resolve(125);
    } else {
      this.serve.stdin!.write(encodeRequest([tag, logFile, ...args]));
    }
    return {
      pid: entry.pid.promise,
      connected: entry.connected.promise,
      ready: entry.ready.promise,
      exited: entry.exited.promise,
      stderr: () => tailOf(logFile),
      kill: () => {
        if (entry.launcherPid === undefined) return;
        try {
          process.kill(entry.launcherPid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      },
    };
  }

  /** The serve process's pid. */
  get pid(): number | undefined {
    return this.serve.pid;
  }

  /** Whether the serve process has ended (a new service is needed for further starts). */
  get ended(): boolean {
    return this.closed || this.serve.exitCode !== null || this.serve.signalCode !== null;
  }

  /** Stops listening (channels already open stay) and ends the serve process; devboxes are stopped by the runtime first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.serve.stdin?.end();
    // Not waiting for close's callback: it comes only once every devbox's channel has ended.
    this.server.close();
    await rm(this.socketPath, { force: true });
  }

  private onEvent(line: string): void {
    const match = /^(started|ready|exit) (\S+) (-?\d+)$/.exec(line);
    if (!match) return;
    const [, kind, tag, value] = match as unknown as [string, string, string, string];
    const entry = this.pending.get(tag);
    if (!entry) return;
    const number = Number(value);
    if (kind === 'started') {
      entry.launcherPid = number;
      entry.pid.resolve(number);
    } else if (kind === 'ready') {
      entry.ready.resolve(number);
    } else {
      this.pending.delete(tag);
      const status = shellStatus(number);
      failStart(entry, new DevboxStartError(`devbox start failed (exit ${status})`, tailOf(entry.log)));
      entry.exited.resolve(status);
    }
  }

  /** A launcher connecting back: its first line is its tag; everything after belongs to the agent. */
  private onConnection(socket: Socket): void {
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(10);
      if (newline < 0) {
        if (head.length > MAX_TAG + 1) socket.destroy();
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const entry = this.pending.get(head.subarray(0, newline).toString('latin1'));
      if (!entry) {
        socket.destroy();
        return;
      }
      const rest = head.subarray(newline + 1);
      if (rest.length > 0) socket.unshift(rest);
      entry.connected.resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  }
}

/** u32 length (little endian) | NUL-terminated strings. */
function encodeRequest(strings: readonly string[]): Buffer {
  for (const value of strings) {
    if (value.includes('\0')) throw new DevboxStartError('a launch argument holds a NUL byte', value);
  }
  const body = Buffer.from(strings.map((value) => `${value}\0`).join(''), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** A wait status as a shell would say it: the exit code, or 128 + the signal. */
function shellStatus(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

function tailOf(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text
      .slice(-LOG_TAIL_BYTES)
      .replace(/^\s*dmesg\(1\) may have more information.*\n?/gm, '')
      .trim();
  } catch {
    return '';
  }
}
