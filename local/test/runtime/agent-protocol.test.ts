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

  it('refuses a frame larger than the limit instead of buffering it', () => {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAX_FRAME_BYTES + 1, 0);
    expect(() => decodeAll([header])).toThrow(RangeError);
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
