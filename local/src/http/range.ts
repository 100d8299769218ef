/**
 * Single byte ranges (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`), so a
 * client can resume an interrupted download. Several ranges in one header
 * are answered with the whole body (a server may ignore Range).
 */
import { Transform, type Readable } from 'node:stream';
import { HttpError } from './route.js';

/**
 * Inclusive byte offsets within a body of `size` bytes.
 *
 * @example
 * const range: ByteRange = { start: 0, end: 99, size: 1000 }; // Content-Range: bytes 0-99/1000
 */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

const SINGLE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * The range a `Range` header asks for, or undefined to send the whole body
 * (no header, another unit, several ranges, or nonsense). Throws a 416
 * {@link HttpError} (with `Content-Range: bytes *\/size`) when it cannot be met.
 *
 * @example
 * parseRange('bytes=-10', 100) // { start: 90, end: 99, size: 100 }
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = SINGLE.exec(header);
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
  }
  if (!Number.isSafeInteger(start) || start >= size) throw unsatisfiable(size);
  return { start, end, size };
}

function unsatisfiable(size: number): HttpError {
  return new HttpError(
    416,
    'range_not_satisfiable',
    `the requested range is outside the ${size} bytes of the content`,
    {
      'content-range': `bytes */${size}`,
    },
  );
}

/**
 * The bytes `range.start..range.end` of `source` (which starts at offset 0);
 * the source is destroyed once the range was passed on.
 *
 * @example
 * sliceStream(fileStream, { start: 10, end: 19, size: 100 }) // 10 bytes
 */
export function sliceStream(source: Readable, range: ByteRange): Readable {
  let offset = 0;
  const slice = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(0, range.start - offset);
      const to = Math.min(chunk.length, range.end + 1 - offset);
      offset += chunk.length;
      if (to > from) this.push(chunk.subarray(from, to));
      if (offset > range.end) {
        this.push(null);
        source.unpipe(slice);
        source.destroy();
      }
      done();
    },
  });
  source.on('error', (error) => slice.destroy(error));
  source.pipe(slice);
  return slice;
}
