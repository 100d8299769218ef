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
 * Output is most of what flows here, so no byte of it is copied: a frame
 * inside one chunk is a view into it, and the body of a frame of a type
 * `inPieces` names (command output, whose bytes mean the same however they
 * are cut) is handed out piece by piece as its chunks arrive: consecutive
 * frames of the same type and id, each a view, none empty (an empty body
 * comes as one empty frame). Any other frame that spans chunks is joined
 * once, when its last byte is in.
 *
 * @example
 * const decoder = new FrameDecoder((frame) => console.log(frame.type, frame.id), (type) => type === Event.stdout);
 * agentStdout.on('data', (chunk) => decoder.push(chunk));
 */
export class FrameDecoder {
  /** Header bytes of the next frame, while fewer than {@link HEADER_BYTES} are in. */
  private head: Buffer = Buffer.alloc(0);
  /** The frame whose body is arriving: its body bytes still to come, and the parts in so far (unless in pieces). */
  private current: { type: number; id: number; left: number; pieces: boolean; parts: Buffer[] } | undefined;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly inPieces: (type: number) => boolean = () => false,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const current = this.current;
      if (current === undefined) {
        let header: Buffer;
        if (this.head.length === 0 && chunk.length - at >= HEADER_BYTES) {
          header = chunk.subarray(at, at + HEADER_BYTES);
          at += HEADER_BYTES;
        } else {
          const take = Math.min(HEADER_BYTES - this.head.length, chunk.length - at);
          this.head = Buffer.concat([this.head, chunk.subarray(at, at + take)]);
          at += take;
          if (this.head.length < HEADER_BYTES) return;
          header = this.head;
          this.head = Buffer.alloc(0);
        }
        const length = header.readUInt32LE(0);
        if (length > MAX_FRAME_BYTES) throw new RangeError(`agent frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
        const type = header.readUInt8(4);
        const id = header.readUInt32LE(5);
        // The usual case: the whole body is in this chunk.
        if (chunk.length - at >= length) {
          this.onFrame({ type, id, body: chunk.subarray(at, at + length) });
          at += length;
          continue;
        }
        this.current = { type, id, left: length, pieces: this.inPieces(type), parts: [] };
        continue; // its body starts in this chunk or the next: never hand out an empty piece
      }
      const part = chunk.subarray(at, at + Math.min(current.left, chunk.length - at));
      at += part.length;
      current.left -= part.length;
      if (current.pieces) this.onFrame({ type: current.type, id: current.id, body: part });
      else current.parts.push(part);
      if (current.left > 0) continue;
      this.current = undefined;
      if (!current.pieces) this.onFrame({ type: current.type, id: current.id, body: Buffer.concat(current.parts) });
    }
  }
}
