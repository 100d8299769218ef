/**
 * One bounded file read (`read_file_contents`, `download_file`). A read
 * used to stream whatever `cat` produced, so `/dev/zero` streamed until the
 * client left. Now every answer has a known bound before its first byte:
 *
 * - A regular file that states its size is streamed, cut at that size (a
 *   file that grows meanwhile is not followed), and refused beyond
 *   {@link MAX_FILE_READ_BYTES}: the largest devbox disk, so nothing an
 *   upload can put on a disk is refused, and a sparse file claiming more is.
 * - A file that states no size (a device, a pipe, `/proc`, size 0) is read
 *   into memory first and refused beyond {@link MAX_UNSIZED_READ_BYTES}.
 *
 * A refused read is a 422 `file_too_large` that names the limit; for a
 * regular file, a `Range` header still reads any part of it.
 */
import { Readable } from 'node:stream';
import { LAUNCH_LIMITS } from 'runloop-rx/views';
import { UnprocessableError } from '../errors.js';
import { clip } from '../http/clip.js';
import { parseRange, sliceStream, type ByteRange } from '../http/range.js';
import type { DevboxHandle } from '../runtime/types.js';
import { fileSizeInside } from './size.js';

/**
 * The most one read of a regular file returns: the largest devbox disk
 * (`custom_disk_size` at most 64 GiB), the most an upload can write.
 *
 * @example
 * if (size > MAX_FILE_READ_BYTES) refuse();
 */
export const MAX_FILE_READ_BYTES = LAUNCH_LIMITS.maxDiskGb * 1024 ** 3;

/**
 * The most one read of a file without a size (`/dev/zero`, a pipe, `/proc`)
 * returns: it is held in memory before the answer starts, so it is small.
 *
 * @example
 * const bytes = await readAtMost(stream, MAX_UNSIZED_READ_BYTES);
 */
export const MAX_UNSIZED_READ_BYTES = 1024 * 1024;

/**
 * What a read answers: the bytes, and the range when a `Range` header picked one.
 *
 * @example
 * const { body, range } = await readBounded(handle, 'a.txt', undefined, signal);
 */
export interface BoundedRead {
  readonly body: Readable;
  readonly range?: ByteRange;
}

/**
 * Opens `path` for one bounded read. Rejects with a runtime error (mapped by
 * the caller) when it cannot be read, or an {@link UnprocessableError}
 * `file_too_large` past the limits.
 *
 * @example
 * const { body, range } = await readBounded(devbox.handle, body.file_path, headers.range, signal);
 */
export async function readBounded(
  handle: DevboxHandle,
  path: string,
  rangeHeader: string | undefined,
  signal: AbortSignal,
): Promise<BoundedRead> {
  // Both at once: the size costs no extra wait before the first byte.
  const [sized, opened] = await Promise.allSettled([fileSizeInside(handle, path), handle.readFile(path)]);
  if (opened.status === 'rejected') throw opened.reason;
  const stream = opened.value;
  try {
    if (sized.status === 'rejected') throw sized.reason;
    const size = sized.value;
    return size === undefined || size === 0
      ? await unsized(stream, path, rangeHeader, signal)
      : sizedRead(stream, path, size, rangeHeader);
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

function sizedRead(stream: Readable, path: string, size: number, rangeHeader: string | undefined): BoundedRead {
  const range = parseRange(rangeHeader, size);
  const length = range === undefined ? size : range.end - range.start + 1;
  if (length > MAX_FILE_READ_BYTES) {
    throw new UnprocessableError(
      'file_too_large',
      `${JSON.stringify(clip(path))} is ${size} bytes; one read returns at most ${MAX_FILE_READ_BYTES} bytes (the largest devbox disk): read it in parts with a Range header`,
    );
  }
  if (range !== undefined) return { body: sliceStream(stream, range), range };
  return { body: sliceStream(stream, { start: 0, end: size - 1, size }) };
}

async function unsized(
  stream: Readable,
  path: string,
  rangeHeader: string | undefined,
  signal: AbortSignal,
): Promise<BoundedRead> {
  const bytes = await readAtMost(stream, MAX_UNSIZED_READ_BYTES, signal);
  if (bytes === undefined) {
    throw new UnprocessableError(
      'file_too_large',
      `${JSON.stringify(clip(path))} states no size (a device, a pipe or a /proc file) and is longer than such a read returns: at most ${MAX_UNSIZED_READ_BYTES} bytes`,
    );
  }
  const range = parseRange(rangeHeader, bytes.length);
  if (range === undefined) return { body: Readable.from([bytes]) };
  return { body: Readable.from([bytes.subarray(range.start, range.end + 1)]), range };
}

/**
 * The whole of `stream` when it has at most `max` bytes; undefined (and the
 * stream destroyed) as soon as it has more, or when `signal` aborts first.
 *
 * @example
 * await readAtMost(Readable.from([Buffer.from('hi')]), 10) // <Buffer 68 69>
 */
export async function readAtMost(stream: Readable, max: number, signal?: AbortSignal): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const onAbort = (): void => void stream.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > max) {
        stream.destroy();
        return undefined;
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) return undefined;
  return Buffer.concat(chunks, size);
}
