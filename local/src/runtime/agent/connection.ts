/**
 * The server's end of one devbox's agent: turns requests into frames on the
 * agent's stdin and its events back into {@link DevboxProcess}es with plain
 * Node streams. Everything the agent says is treated as untrusted input from
 * inside the devbox: unknown ids and types are ignored, frame sizes bounded.
 */
import { Readable, Writable } from 'node:stream';
import { constants } from 'node:os';
import type { DevboxProcess } from '../types.js';
import {
  Event,
  FrameDecoder,
  OUTPUT_WINDOW_BYTES,
  Request,
  encodeFrame,
  encodeSpawn,
  type Frame,
  type SpawnRequest,
} from './protocol.js';

/**
 * What the agent reported when it came up.
 *
 * @example
 * const { shell }: AgentHello = await agent.ready; // '/bin/bash'
 */
export interface AgentHello {
  /** The devbox's shell for `-c` commands: bash where the image has it. */
  readonly shell: '/bin/bash' | '/bin/sh';
}

/** Output frames: their bodies may be handed on in pieces. */
const isOutput = (type: number): boolean => type === Event.stdout || type === Event.stderr;

/** Largest stdin chunk per frame: big enough for throughput, small enough to interleave commands. */
const STDIN_CHUNK = 256 * 1024;

/**
 * Credit goes back in batches of this much (one small frame, and one wake-up
 * of the agent, per batch). Never more is owed than a batch short of what
 * readers took, so the agent always has at least the window minus a batch
 * to send once the readers caught up: no stall, whatever the batch size
 * below the window.
 */
const CREDIT_BATCH = OUTPUT_WINDOW_BYTES / 4;

class AgentProcess implements DevboxProcess {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable;
  /** Output bytes taken in, and bytes credited back to the agent so far. */
  private delivered = 0;
  private paid = 0;
  readonly exited: Promise<number | null>;
  readonly closed: Promise<number | null>;
  private resolveExit!: (status: number | null) => void;
  private resolveGone!: () => void;
  private readonly gone: Promise<void>;
  private leaderDone = false;
  private groupDone = false;

  constructor(
    readonly id: number,
    send: (frame: Buffer, callback: (error?: Error | null) => void) => void,
    private readonly signalGroup: (proc: AgentProcess, signal: NodeJS.Signals) => Promise<void>,
  ) {
    // Output is credited back to the agent only once a reader has taken it out of these streams:
    // a slow (or absent) reader holds back this command alone, and the server never holds more of
    // it than one window. read() runs before the reader's bytes leave the buffer: settle after it.
    const output = (): Readable =>
      new Readable({ highWaterMark: 256 * 1024, read: () => queueMicrotask(() => this.settle()) });
    this.stdout = output();
    this.stderr = output();
    this.sendCredit = (bytes) => {
      const body = Buffer.allocUnsafe(4);
      body.writeUInt32LE(bytes, 0);
      send(encodeFrame(Request.credit, id, body), () => undefined);
    };
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.gone = new Promise((resolve) => (this.resolveGone = resolve));
    const ended = (stream: Readable): Promise<void> =>
      new Promise((resolve) => stream.once('end', resolve).once('close', resolve));
    this.closed = Promise.all([this.exited, ended(this.stdout), ended(this.stderr)]).then(([status]) => status);
    this.stdin = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        // Large writes go in slices so one upload never holds the pipe for long.
        for (let at = 0; at < chunk.length; at += STDIN_CHUNK) {
          const last = at + STDIN_CHUNK >= chunk.length;
          send(encodeFrame(Request.stdin, id, chunk.subarray(at, at + STDIN_CHUNK)), last ? callback : () => undefined);
        }
      },
      final: (callback) => send(encodeFrame(Request.stdin, id), callback),
    });
  }

  private readonly sendCredit: (bytes: number) => void;

  groupAlive(): boolean {
    return !this.groupDone;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.signalGroup(this, signal);
  }

  /** Resolves once every member of the group is gone. */
  whenGone(): Promise<void> {
    return this.gone;
  }

  /** Credits the agent with what readers consumed, in batches (see CREDIT_BATCH). */
  private settle(): void {
    // A destroyed stream's buffer will never be read: it holds nothing back.
    const held = (stream: Readable): number => (stream.destroyed ? 0 : stream.readableLength);
    const buffered = held(this.stdout) + held(this.stderr);
    const due = this.delivered - buffered - this.paid;
    if (due >= CREDIT_BATCH) {
      this.paid += due;
      this.sendCredit(due);
    }
  }

  private deliver(stream: Readable, body: Buffer): void {
    this.delivered += body.length;
    // A stream nobody reads any more holds nothing: its bytes count as consumed at once.
    // The body is never written to again (protocol.ts): it is pushed as it is, not copied.
    if (!stream.readableEnded && !stream.destroyed) stream.push(body);
    this.settle();
  }

  onFrame(frame: Frame): void {
    switch (frame.type) {
      case Event.stdout:
        this.deliver(this.stdout, frame.body);
        break;
      case Event.stderr:
        this.deliver(this.stderr, frame.body);
        break;
      case Event.eof:
        (frame.body[0] === 2 ? this.stderr : this.stdout).push(null);
        break;
      case Event.failed: {
        // A command that could not start reads like a shell's: reason on stderr, status 127.
        const reason = frame.body.length > 4 ? frame.body.subarray(4).toString('utf8') : 'cannot start';
        this.stderr.push(`runloop-agent: ${reason}\n`);
        this.stderr.push(null);
        this.stdout.push(null);
        this.finish(127);
        break;
      }
      case Event.exit:
        if (frame.body.length === 4) this.leaderExited(frame.body.readInt32LE(0));
        break;
      case Event.gone:
        this.finish(null);
        break;
    }
  }

  /** The devbox is gone (or the process never got going): end everything. */
  abort(): void {
    for (const stream of [this.stdout, this.stderr]) if (!stream.readableEnded) stream.push(null);
    this.finish(null);
  }

  private leaderExited(waitStatus: number): void {
    // A wait(2) status: low 7 bits = terminating signal, else the exit code in bits 8–15.
    const signal = waitStatus & 0x7f;
    this.leaderDone = true;
    this.resolveExit(signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal);
  }

  private finish(status: number | null): void {
    if (!this.leaderDone) {
      this.leaderDone = true;
      this.resolveExit(status);
    }
    this.groupDone = true;
    this.resolveGone();
  }
}

/**
 * A live agent: spawn commands, signal their groups, learn when it is gone.
 *
 * @example
 * const agent = new AgentConnection(init.stdin, init.stdout);
 * const { shell } = await agent.ready;
 * const proc = agent.spawn({ uid: 1000, gid: 1000, cwd: '/home/user', argv: [shell, '-c', 'ls'], env: {} });
 */
export class AgentConnection {
  readonly ready: Promise<AgentHello>;
  /** Resolves when the agent's event stream ends: the devbox's PID 1 is gone. */
  readonly closed: Promise<void>;
  private readonly processes = new Map<number, AgentProcess>();
  private nextId = 1;
  private isClosed = false;

  constructor(
    private readonly toAgent: Writable,
    fromAgent: Readable,
  ) {
    let hello!: (value: AgentHello) => void;
    let noHello!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => ((hello = resolve), (noHello = reject)));
    const decoder = new FrameDecoder((frame) => {
      if (frame.type === Event.ready) {
        hello({ shell: frame.body.toString('utf8') === 'bash' ? '/bin/bash' : '/bin/sh' });
        return;
      }
      this.processes.get(frame.id)?.onFrame(frame);
      if (frame.type === Event.gone || frame.type === Event.failed) this.processes.delete(frame.id);
      // Output goes on as it arrives, uncopied (see FrameDecoder).
    }, isOutput);
    this.closed = new Promise((resolve) => {
      const end = (): void => {
        if (this.isClosed) return;
        this.isClosed = true;
        noHello(new Error('the devbox agent exited before it was ready'));
        for (const proc of this.processes.values()) proc.abort();
        this.processes.clear();
        resolve();
      };
      fromAgent.on('data', (chunk: Buffer) => {
        try {
          decoder.push(chunk);
        } catch {
          // A stream that breaks the framing cannot be trusted further: hang up (the agent then exits).
          fromAgent.destroy();
          toAgent.destroy();
          end();
        }
      });
      fromAgent.once('end', end).once('close', end).once('error', end);
    });
    this.ready.catch(() => undefined);
    toAgent.on('error', () => undefined);
  }

  /**
   * Starts a command. When the agent is gone, the process ends at once with a null status.
   *
   * @example
   * const proc = agent.spawn({ uid: 0, gid: 0, cwd: '/', argv: ['/bin/true'], env: {} });
   * await proc.exited; // 0
   */
  spawn(request: SpawnRequest): AgentProcess {
    const id = this.nextId++;
    const proc = new AgentProcess(
      id,
      (frame, callback) => this.send(frame, callback),
      (target, signal) => this.signal(target, signal),
    );
    if (this.isClosed) {
      proc.abort();
      return proc;
    }
    this.processes.set(id, proc);
    this.send(encodeSpawn(id, request), () => undefined);
    return proc;
  }

  /**
   * Signals the command's process group. For SIGKILL, resolves once every
   * member is gone; for other signals, once sent.
   *
   * @example
   * await agent.signal(proc, 'SIGKILL');
   */
  async signal(proc: DevboxProcess, signal: NodeJS.Signals): Promise<void> {
    if (!(proc instanceof AgentProcess) || this.processes.get(proc.id) !== proc) return;
    const number = constants.signals[signal];
    const body = Buffer.allocUnsafe(4);
    body.writeUInt32LE(number, 0);
    this.send(encodeFrame(Request.signal, proc.id, body), () => undefined);
    if (signal === 'SIGKILL') await Promise.race([proc.whenGone(), this.closed]);
  }

  /** Hangs up: the agent then ends every process of the devbox and exits. */
  close(): void {
    this.toAgent.end();
  }

  private send(frame: Buffer, callback: (error?: Error | null) => void): void {
    if (this.isClosed || this.toAgent.destroyed || this.toAgent.writableEnded) {
      callback();
      return;
    }
    this.toAgent.write(frame, (error) => callback(error ?? null));
  }
}
