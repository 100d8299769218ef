/**
 * The frames spoken between the server and a devbox's agent (agent.c, which
 * documents the same format): `u32 body length (LE) | u8 type | u32 id | body`.
 * Pure encoding and decoding, no I/O.
 */

/**
 * Request types (server → agent).
 *
 * @example
 * pipe.write(encodeFrame(Request.stdin, id)); // empty body: close the command's stdin
 */
export const Request = { spawn: 1, stdin: 2, signal: 3, credit: 4 } as const;

/**
 * Event types (agent → server).
 *
 * @example
 * if (frame.type === Event.exit) console.log('wait status', frame.body.readInt32LE(0));
 */
export const Event = { ready: 1, started: 2, failed: 3, stdout: 4, stderr: 5, eof: 6, exit: 7, gone: 8 } as const;

/**
 * Output bytes of one command the agent sends before the server credits any
 * back (agent.c's WINDOW): the most the server ever holds of one command.
 *
 * @example
 * if (unconsumed > OUTPUT_WINDOW_BYTES) throw new Error('the agent broke flow control');
 */
export const OUTPUT_WINDOW_BYTES = 1024 * 1024;

/**
 * Bytes before a frame's body.
 *
 * @example
 * const bodyLength = buffer.readUInt32LE(0); // the frame is HEADER_BYTES + bodyLength long
 */
export const HEADER_BYTES = 9;

/**
 * The agent drops the connection on a larger frame; the server never sends one.
 *
 * @example
 * if (body.length > MAX_FRAME_BYTES) throw new RangeError('split it');
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * One decoded frame. `body` is a view into a buffer that nothing writes to
 * again (the chunk it arrived in, or the decoder's join of the chunks a frame
 * spanned): it may be kept as it is, and keeps that buffer in memory meanwhile.
 *
 * @example
 * const frame: Frame = { type: Event.stdout, id: 7, body: Buffer.from('hi\n') };
 */
export interface Frame {
  readonly type: number;
  readonly id: number;
  readonly body: Buffer;
}

/**
 * Encodes one frame.
 *
 * @example
 * pipe.write(encodeFrame(Request.stdin, 7, Buffer.from('input\n')));
 */
export function encodeFrame(type: number, id: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt8(type, 4);
  header.writeUInt32LE(id, 5);
  return body.length === 0 ? header : Buffer.concat([header, body]);
}

/**
 * What a spawn request carries: everything a process needs, resolved by the caller.
 *
 * @example
 * const spawn: SpawnRequest = { uid: 1000, gid: 1000, cwd: '/home/user', argv: ['/bin/bash', '-c', 'ls'], env: { HOME: '/home/user' } };
 */
export interface SpawnRequest {
  readonly uid: number;
  readonly gid: number;
  readonly cwd: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Encodes a spawn request (`u32 uid | u32 gid | u32 argc | u32 envc | cwd\0 argv\0… env\0…`).
 * Strings must not contain NUL (the caller validated them).
 *
 * @example
 * pipe.write(encodeSpawn(7, { uid: 0, gid: 0, cwd: '/', argv: ['/bin/true'], env: {} }));
 */
export function encodeSpawn(id: number, spawn: SpawnRequest): Buffer {
  const head = Buffer.allocUnsafe(16);
  const env = Object.entries(spawn.env).map(([key, value]) => `${key}=${value}`);
  head.writeUInt32LE(spawn.uid, 0);
  head.writeUInt32LE(spawn.gid, 4);
  head.writeUInt32LE(spawn.argv.length, 8);
  head.writeUInt32LE(env.length, 12);
  const strings = Buffer.from([spawn.cwd, ...spawn.argv, ...env].map((s) => `${s}\0`).join(''), 'utf8');
  return encodeFrame(Request.spawn, id, Buffer.concat([head, strings]));
}

/**
 * Splits a byte stream into frames, across chunk boundaries. Throws on a
 * frame larger than {@link MAX_FRAME_BYTES} (a broken or hostile stream).
 *
 * Output is most of what flows here, so no byte is copied twice: a frame
 * inside one chunk is a view into it, and a frame that spans chunks is
 * joined once, when its last byte arrives (re-joining the tail on every
 * chunk would copy a 256 KiB frame about 2.5 times over).
 *
 * @example
 * const decoder = new FrameDecoder((frame) => console.log(frame.type, frame.id));
 * agentStdout.on('data', (chunk) => decoder.push(chunk));
 */
export class FrameDecoder {
  /** Chunks (or their tails) of the frame not yet whole, and their byte count. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Whole size (header included) of the frame `pending` starts with; 0 until its header is in. */
  private frameBytes = 0;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.frameBytes === 0 && this.pendingBytes >= HEADER_BYTES)
        this.frameBytes = frameSize(Buffer.concat(this.pending, HEADER_BYTES), 0);
      if (this.frameBytes === 0 || this.pendingBytes < this.frameBytes) return;
      const frame = Buffer.concat(this.pending, this.frameBytes);
      data = chunk.subarray(chunk.length - (this.pendingBytes - this.frameBytes));
      this.pending = [];
      this.pendingBytes = 0;
      this.frameBytes = 0;
      this.emit(frame, 0, frame.length - HEADER_BYTES);
    }
    let at = 0;
    while (data.length - at >= HEADER_BYTES) {
      const size = frameSize(data, at);
      if (data.length - at < size) break;
      this.emit(data, at, size - HEADER_BYTES);
      at += size;
    }
    if (at < data.length) {
      this.pending = [data.subarray(at)];
      this.pendingBytes = data.length - at;
      this.frameBytes = this.pendingBytes >= HEADER_BYTES ? frameSize(data, at) : 0;
    }
  }

  private emit(data: Buffer, at: number, length: number): void {
    this.onFrame({
      type: data.readUInt8(at + 4),
      id: data.readUInt32LE(at + 5),
      body: data.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length),
    });
  }
}

/** Size of the frame whose header starts at `at`, header included; throws past {@link MAX_FRAME_BYTES}. */
function frameSize(data: Buffer, at: number): number {
  const length = data.readUInt32LE(at);
  if (length > MAX_FRAME_BYTES) throw new RangeError(`agent frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  return HEADER_BYTES + length;
}
