/**
 * The SSE producer behind `stream_stdout_updates` / `stream_stderr_updates`:
 * chunks of an output from a byte offset, following the file as it grows.
 *
 * Each event is `{output, offset}` where `offset` is the byte position right
 * after the chunk, so a client that resumes with `?offset=<last offset>`
 * neither loses nor repeats a byte (runloop-api.md §7).
 */
import { isAscii } from 'node:buffer';
import { asyncScheduler, first, Observable, of, timeout, type SchedulerLike } from 'rxjs';
import type { SseEvent } from '../http/route.js';
import { firstOrAbort } from './abortable.js';
import type { OutputProgress, OutputSource } from './output-log.js';
import { completeUtf8Prefix } from './utf8.js';

/**
 * Default for how long a stream may see no new output before it is closed with a 408.
 *
 * @example
 * outputEvents(log, 0, { idleMs: DEFAULT_STREAM_IDLE_MS });
 */
export const DEFAULT_STREAM_IDLE_MS = 20_000;
/**
 * Upper bound of one chunk's size, in bytes.
 *
 * @example
 * outputEvents(log, 0, { maxChunkBytes: MAX_CHUNK_BYTES });
 */
export const MAX_CHUNK_BYTES = 64 * 1024;
/** Chunks read from disk at once, so a stream that is behind needs fewer reads. */
const CHUNKS_PER_READ = 4;

/**
 * Tuning of {@link outputEvents}.
 *
 * @example
 * outputEvents(log, 0, { idleMs: 20_000, signal: ctx.signal });
 */
export interface OutputStreamOptions {
  /** No new output for this long ⇒ `event: error` `{"code":"408"}` and close. Default 20 s. */
  readonly idleMs?: number | undefined;
  /** Largest chunk, in bytes (at least 4, so a character always fits). Default 64 KiB. */
  readonly maxChunkBytes?: number;
  /** Stops the stream when the client goes away. */
  readonly signal?: AbortSignal;
  readonly scheduler?: SchedulerLike;
}

/**
 * The next progress that is worth reading: the output grew past `seen`, or
 * became final. Emits `'idle'` instead if neither happens within `idleMs`.
 *
 * @example
 * nextOutput(log.progress$, 0, 20_000).subscribe((p) => console.log(p));
 */
export function nextOutput(
  progress$: Observable<OutputProgress>,
  seen: number,
  idleMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<OutputProgress | 'idle'> {
  return progress$.pipe(
    first((p) => p.size > seen || p.done),
    timeout({ first: idleMs, with: () => of('idle' as const), scheduler }),
  );
}

/**
 * Streams an output as SSE events from byte `offset`. Pull-based: the file
 * is read only as fast as the consumer takes events, so memory stays flat
 * for outputs of any size. Ends after the last byte of a finished output.
 *
 * @example
 * return { kind: 'sse', events: outputEvents(log, 0, { signal: ctx.signal }) };
 */
export async function* outputEvents(
  source: OutputSource,
  offset: number,
  options: OutputStreamOptions = {},
): AsyncGenerator<SseEvent> {
  const idleMs = options.idleMs ?? DEFAULT_STREAM_IDLE_MS;
  const maxChunk = Math.max(4, options.maxChunkBytes ?? MAX_CHUNK_BYTES);
  const scheduler = options.scheduler ?? asyncScheduler;
  const reader = await source.open();
  try {
    let pos = offset;
    let seen = offset;
    for (;;) {
      const next = await firstOrAbort(nextOutput(source.progress$, seen, idleMs, scheduler), options.signal);
      if (next === undefined) return;
      if (next === 'idle') {
        yield idleEvent(idleMs, pos);
        return;
      }
      while (pos < next.size) {
        // One read serves several chunks: fewer trips through the thread pool.
        const block = await reader.read(pos, Math.min(next.size, pos + maxChunk * CHUNKS_PER_READ));
        // A final output may end in a broken character: send it rather than stall.
        const endsOutput = next.done && pos + block.length === next.size;
        let at = 0;
        while (at < block.length) {
          const piece = block.subarray(at, at + maxChunk);
          const cut = endsOutput && at + piece.length === block.length ? piece.length : completeUtf8Prefix(piece);
          if (cut === 0) break;
          at += cut;
          yield outputEvent(piece.subarray(0, cut), pos + at);
          if (options.signal?.aborted) return;
        }
        // Only part of a character is there yet: wait for the rest.
        if (at === 0) break;
        pos += at;
      }
      seen = Math.max(seen, next.size);
      if (next.done) return;
    }
  } finally {
    await reader.close();
  }
}

/**
 * One chunk's event. ASCII output (the usual case) decodes as latin1 and its
 * JSON is ASCII too, so the writer may skip the scan and the UTF-8 encoding:
 * together several times cheaper per byte than the general path.
 */
function outputEvent(bytes: Buffer, offset: number): SseEvent {
  if (isAscii(bytes)) return { data: JSON.stringify({ output: bytes.toString('latin1'), offset }), ascii: true };
  return { data: JSON.stringify({ output: bytes.toString('utf8'), offset }) };
}

function idleEvent(idleMs: number, offset: number): SseEvent {
  const message = `no new output for ${idleMs / 1000} s; reconnect with offset=${offset} to continue`;
  return { event: 'error', data: JSON.stringify({ code: '408', message }) };
}
