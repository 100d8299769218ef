/**
 * TCP connections into a devbox's network namespace. Node cannot enter a
 * namespace, so a host `socat` started inside the devbox's netns (and its
 * cgroup, so it is frozen and killed with the devbox) listens on a unix
 * socket on the host filesystem and forwards each connection to
 * 127.0.0.1:<port> inside. One listener per port, started on first use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeError, RuntimeInputError } from './errors.js';

/** sun_path holds 108 bytes; stay well below. */
const MAX_SOCKET_PATH = 100;

/**
 * Throws a {@link RuntimeInputError} unless `port` is a TCP port number.
 *
 * @example
 * checkPort(8080); // fine
 * checkPort(0); // throws: port must be 1..65535, got 0
 */
export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RuntimeInputError(`port must be 1..65535, got ${port}`);
}

/**
 * Connects to `127.0.0.1:port` in the server's own network namespace (a
 * devbox on the host network, or a process-mode devbox).
 *
 * @example
 * const socket = await connectLoopback(8080);
 */
export function connectLoopback(port: number): Promise<Socket> {
  checkPort(port);
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Forwarders for one devbox; `close()` ends them (the devbox's cgroup kill
 * ends them too).
 *
 * @example
 * const ports = new PortForwarder({ initPid, stateDir, cgroupProcs, id });
 * const socket = await ports.connect(8080);
 */
export class PortForwarder {
  private readonly listeners = new Map<number, { readonly process: ChildProcess; readonly ready: Promise<string> }>();

  constructor(
    private readonly target: {
      readonly id: string;
      readonly initPid: number;
      readonly stateDir: string;
      readonly cgroupProcs: readonly string[];
    },
  ) {}

  /** Connects to 127.0.0.1:`port` inside the devbox. */
  async connect(port: number): Promise<Socket> {
    checkPort(port);
    const socketPath = await this.listener(port);
    return connectWithRetry(socketPath);
  }

  close(): void {
    for (const { process } of this.listeners.values()) process.kill('SIGKILL');
    this.listeners.clear();
  }

  private listener(port: number): Promise<string> {
    const existing = this.listeners.get(port);
    if (existing && existing.process.exitCode === null && existing.process.signalCode === null) return existing.ready;
    const socketPath = this.socketPath(port);
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        'for f in $1; do echo $$ > "$f"; done; rm -f "$2"; shift 2; exec "$@"',
        'sh',
        this.target.cgroupProcs.join(' '),
        socketPath,
        '/usr/bin/nsenter',
        '-t',
        String(this.target.initPid),
        '-n',
        '/usr/bin/socat',
        `UNIX-LISTEN:${socketPath},fork,mode=600`,
        `TCP:127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    const ready = waitForSocket(socketPath, child).catch((error: unknown) => {
      this.listeners.delete(port);
      throw new RuntimeError(
        `cannot forward port ${port} of devbox ${this.target.id}: ${stderr.trim() || String(error)}`,
      );
    });
    this.listeners.set(port, { process: child, ready });
    return ready;
  }

  private socketPath(port: number): string {
    const inState = join(this.target.stateDir, `port-${port}.sock`);
    if (Buffer.byteLength(inState) <= MAX_SOCKET_PATH) return inState;
    // Deep data dirs: fall back to a short private directory keyed by the state dir.
    const key = createHash('sha256').update(this.target.stateDir).digest('hex').slice(0, 16);
    const dir = join(tmpdir(), 'runloop-local-ports');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return join(dir, `${key}-${port}.sock`);
  }
}

/** Resolves once socat has bound its socket (no probe connection: it would reach the devbox's server). */
async function waitForSocket(socketPath: string, child: ChildProcess, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`socat exited (${child.exitCode ?? child.signalCode})`);
    if (existsSync(socketPath)) return socketPath;
    if (Date.now() > deadline) throw new Error('listener did not come up');
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

/** socat binds, then listens: a connect in between is refused, so retry briefly. */
function connectWithRetry(socketPath: string, attempts = 50): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && attempts > 1) {
        setTimeout(() => connectWithRetry(socketPath, attempts - 1).then(resolve, reject), 5);
      } else reject(error);
    });
  });
}
