import { describe, expect, it } from 'vitest';
import {
  Event,
  FrameDecoder,
  HEADER_BYTES,
  MAX_FRAME_BYTES,
  Request,
  encodeFrame,
  encodeSpawn,
  type Frame,
} from '../../src/runtime/agent/protocol.js';

function decodeAll(chunks: readonly Buffer[]): Frame[] {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder((frame) => frames.push({ ...frame, body: Buffer.from(frame.body) }));
  for (const chunk of chunks) decoder.push(chunk);
  return frames;
}

describe('agent wire protocol', () => {
  it('round-trips frames split at every byte boundary', () => {
    const wire = Buffer.concat([
      encodeFrame(Event.stdout, 7, Buffer.from('hello\n')),
      encodeFrame(Event.eof, 7, Buffer.from([1])),
      encodeFrame(Event.gone, 7),
    ]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const frames = decodeAll([wire.subarray(0, cut), wire.subarray(cut)]);
      expect(frames.map((f) => [f.type, f.id, f.body.toString('hex')])).toEqual([
        [Event.stdout, 7, Buffer.from('hello\n').toString('hex')],
        [Event.eof, 7, '01'],
        [Event.gone, 7, ''],
      ]);
    }
  });

  it('decodes byte by byte', () => {
    const wire = encodeFrame(Event.stderr, 4_000_000_000, Buffer.from('x'.repeat(1000)));
    const frames = decodeAll([...wire].map((byte) => Buffer.from([byte])));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.id).toBe(4_000_000_000);
    expect(frames[0]!.body.length).toBe(1000);
  });

  it.each([
    ['whole', false],
    ['in pieces', true],
  ])('keeps every body intact when frames of any size are cut into chunks anywhere (%s)', (_, pieces) => {
    // Deterministic pseudo-random sizes and cuts: frames inside one chunk, spanning two, spanning many.
    let seed = 12345;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 50; round++) {
      const bodies = Array.from({ length: 1 + next(8) }, (_, i) =>
        Buffer.alloc(next(3) === 0 ? 0 : next(70_000), (round * 16 + i) % 251),
      );
      const wire = Buffer.concat(bodies.map((body, i) => encodeFrame(Event.stdout, i, body)));
      const chunks: Buffer[] = [];
      for (let at = 0; at < wire.length;) {
        const size = 1 + next(next(2) === 0 ? 16 : 65_536);
        chunks.push(Buffer.from(wire.subarray(at, at + size)));
        at += size;
      }
      // Bodies are kept uncopied until the end: nothing may have written over them.
      const frames: Frame[] = [];
      const decoder = new FrameDecoder(
        (frame) => frames.push(frame),
        () => pieces,
      );
      for (const chunk of chunks) decoder.push(chunk);
      // Pieces of one frame are consecutive frames with its id (every frame here has its own id).
      const joined = new Map<number, Buffer[]>();
      for (const frame of frames) {
        if (pieces && frame.body.length === 0) expect(bodies[frame.id]!.length).toBe(0);
        joined.set(frame.id, [...(joined.get(frame.id) ?? []), frame.body]);
      }
      expect([...joined.keys()]).toEqual(bodies.map((_, i) => i));
      expect(frames.every((f, i) => i === 0 || f.id >= frames[i - 1]!.id)).toBe(true);
      bodies.forEach((body, i) => expect(Buffer.concat(joined.get(i)!).equals(body)).toBe(true));
      if (!pieces) expect(frames).toHaveLength(bodies.length);
    }
  });

  it('hands out a frame that spans chunks as soon as its last byte arrives', () => {
    const wire = Buffer.concat([encodeFrame(Event.stdout, 1, Buffer.alloc(1000, 7)), encodeFrame(Event.gone, 1)]);
    const frames: Frame[] = [];
    const decoder = new FrameDecoder((frame) => frames.push(frame));
    decoder.push(wire.subarray(0, 4));
    decoder.push(wire.subarray(4, 500));
    expect(frames).toHaveLength(0);
    decoder.push(wire.subarray(500, HEADER_BYTES + 1000 + 3));
    expect(frames.map((f) => [f.type, f.body.length])).toEqual([[Event.stdout, 1000]]);
    decoder.push(wire.subarray(HEADER_BYTES + 1000 + 3));
    expect(frames.map((f) => f.type)).toEqual([Event.stdout, Event.gone]);
  });

  it('hands out output as it arrives when told to, other frames only whole', () => {
    const wire = Buffer.concat([
      encodeFrame(Event.stdout, 1, Buffer.from('abcdef')),
      encodeFrame(Event.exit, 1, Buffer.from([0, 0, 0, 0])),
    ]);
    const frames: Frame[] = [];
    const decoder = new FrameDecoder(
      (frame) => frames.push(frame),
      (type) => type === Event.stdout,
    );
    const seen = () => frames.map((f) => [f.type, f.body.toString('latin1')]);
    decoder.push(wire.subarray(0, HEADER_BYTES - 1));
    expect(seen()).toEqual([]);
    decoder.push(wire.subarray(HEADER_BYTES - 1, HEADER_BYTES + 2));
    expect(seen()).toEqual([[Event.stdout, 'ab']]);
    decoder.push(wire.subarray(HEADER_BYTES + 2, HEADER_BYTES + 6 + HEADER_BYTES + 2));
    expect(seen()).toEqual([
      [Event.stdout, 'ab'],
      [Event.stdout, 'cdef'],
    ]);
    decoder.push(wire.subarray(HEADER_BYTES + 6 + HEADER_BYTES + 2));
    expect(frames.map((f) => f.type)).toEqual([Event.stdout, Event.stdout, Event.exit]);
    expect(frames[2]!.body.readInt32LE(0)).toBe(0);
  });

  it('refuses a frame larger than the limit instead of buffering it', () => {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAX_FRAME_BYTES + 1, 0);
    expect(() => decodeAll([header])).toThrow(RangeError);
    // Also when its header arrives in pieces.
    expect(() => decodeAll([header.subarray(0, 2), header.subarray(2)])).toThrow(RangeError);
  });

  it('lays out a spawn as uid, gid, counts, then NUL-terminated cwd, argv and env', () => {
    const frame = encodeSpawn(3, {
      uid: 1000,
      gid: 1001,
      cwd: '/home/user',
      argv: ['/bin/sh', '-c', 'echo hi'],
      env: { A: '1', B: 'x=y' },
    });
    const [decoded] = decodeAll([frame]);
    expect(decoded!.type).toBe(Request.spawn);
    expect(decoded!.id).toBe(3);
    const body = decoded!.body;
    expect([body.readUInt32LE(0), body.readUInt32LE(4), body.readUInt32LE(8), body.readUInt32LE(12)]).toEqual([
      1000, 1001, 3, 2,
    ]);
    expect(body.subarray(16).toString('utf8').split('\0')).toEqual([
      '/home/user',
      '/bin/sh',
      '-c',
      'echo hi',
      'A=1',
      'B=x=y',
      '',
    ]);
  });
});
