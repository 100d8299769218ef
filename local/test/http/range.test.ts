import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRange, sliceStream } from '../../src/http/range.js';
import { HttpError } from '../../src/http/route.js';

describe('parseRange', () => {
  it('reads the three single-range forms, clamping the end', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9, size: 100 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99, size: 100 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99, size: 100 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99, size: 100 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ start: 50, end: 99, size: 100 });
  });

  it('ignores what it does not serve: no header, other units, several ranges, nonsense', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=0-1,4-5', 'bytes=-', 'bytes=9-2', 'bytes=a-b', '']) {
      expect(parseRange(header, 100), String(header)).toBeUndefined();
    }
  });

  it('refuses a range past the end (or an empty suffix) with 416 and bytes */size', () => {
    for (const header of ['bytes=100-', 'bytes=200-300', 'bytes=-0', `bytes=${'9'.repeat(30)}-`]) {
      let caught: unknown;
      try {
        parseRange(header, 100);
      } catch (error) {
        caught = error;
      }
      expect(caught, header).toBeInstanceOf(HttpError);
      expect((caught as HttpError).status).toBe(416);
      expect((caught as HttpError).headers['content-range']).toBe('bytes */100');
    }
    expect(() => parseRange('bytes=0-', 0)).toThrow(HttpError);
  });
});

describe('sliceStream', () => {
  it('passes on exactly the range across chunk boundaries, and stops the source', async () => {
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.alloc(10, i));
    const source = Readable.from(chunks);
    const out: Buffer[] = [];
    for await (const chunk of sliceStream(source, { start: 15, end: 34, size: 100 })) out.push(chunk as Buffer);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(chunks).subarray(15, 35));
    expect(source.destroyed).toBe(true);
  });
});
