/**
 * Execution output over SSE that survives idle timeouts and dropped
 * connections by resuming from the last offset (runloop-api.md §7).
 */
import * as t from 'io-ts';
import {
  asyncScheduler,
  defer,
  filter,
  map,
  retry,
  tap,
  throwError,
  timer,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { apiErrorFromResponse } from './api-error.js';
import { decode, parseJson } from './decode.js';
import { APIConnectionError, APIError, APIUserAbortError } from './errors.js';
import type { SseMessage } from './request.js';

/**
 * What {@link resumableSse} needs of a chunk: the stream position after it
 * (where to resume from), when the server sent one.
 *
 * @example
 * const chunk: PositionedChunk = { offset: 6 };
 */
export interface PositionedChunk {
  readonly offset?: number | null | undefined;
}

/**
 * A chunk as {@link resumableSse} emits it: its offset always set (a chunk
 * without one keeps the previous offset).
 *
 * @example
 * const chunk: Positioned<{ output: string }> = { output: 'hello\n', offset: 6 };
 */
export type Positioned<C> = Omit<C, 'offset'> & { readonly offset: number };

/**
 * Turns an `event: error` message (`{"code":"<status>","message":"…"}`) into
 * the status-mapped {@link APIError}.
 *
 * @example
 * sseErrorToApiError({ event: 'error', data: '{"code":"408"}' }).status; // 408
 */
export function sseErrorToApiError(message: SseMessage): APIError {
  let code: unknown;
  try {
    code = (JSON.parse(message.data) as { code?: unknown } | null)?.code;
  } catch {
    code = undefined;
  }
  const status = typeof code === 'number' ? code : typeof code === 'string' ? Number.parseInt(code, 10) : Number.NaN;
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return new APIError(undefined, undefined, message.data, `Stream error event: ${message.data.slice(0, 200)}`);
  }
  return apiErrorFromResponse(status, undefined, message.data);
}

/**
 * Options of {@link resumableSse}.
 *
 * @example
 * const options: ResumableSseOptions = { maxFailuresWithoutProgress: 5 };
 */
export interface ResumableSseOptions {
  /** Reconnects allowed in a row after connection failures with no chunk in between; default 5. */
  readonly maxFailuresWithoutProgress?: number;
  /** First reconnect delay after a connection failure, doubled each time; default 500 ms. */
  readonly backoffMs?: number;
  /** Upper bound of that delay; default 10 000 ms. */
  readonly maxBackoffMs?: number;
}

/** Immediate resumes allowed in a row (server idle timeouts) before they are spaced out. */
const FREE_IDLE_RESUMES = 3;
const MAX_IDLE_RESUME_DELAY_MS = 1_000;

function isIdleTimeout(err: unknown): boolean {
  return (err instanceof APIError && err.status === 408) || (err instanceof Error && err.name === 'TimeoutError');
}

function isDroppedConnection(err: unknown): boolean {
  return err instanceof APIConnectionError && !(err instanceof APIUserAbortError);
}

/**
 * Streams chunks decoded with `codec` (the wire format is declared once, in
 * `api/views`) from `open(offset)`, remembering the last
 * offset. On an idle timeout (a 408 error event, or a `TimeoutError`) it
 * re-opens from that offset at once; on a dropped connection or truncated
 * body ({@link APIConnectionError}) it re-opens after a backoff on
 * `scheduler`, giving up when `maxFailuresWithoutProgress` reconnects in a row
 * have brought no chunk. Chunks at or before the remembered offset are dropped, so
 * nothing is repeated. Any other error event fails with its mapped
 * {@link APIError}; non-JSON data fails with a `ResponseDecodeError`. Completes
 * when the server closes the stream. A chunk without an offset keeps the last one.
 *
 * @example
 * resumableSse((offset) => api.executions.streamStdoutUpdates(devboxId, executionId, { offset }), ExecutionUpdateChunk, 0)
 *   .subscribe(({ output }) => process.stdout.write(output));
 */
export function resumableSse<C extends PositionedChunk>(
  open: (offset: number) => Observable<SseMessage>,
  codec: t.Decoder<unknown, C>,
  fromOffset = 0,
  options: ResumableSseOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Positioned<C>> {
  const maxFailures = options.maxFailuresWithoutProgress ?? 5;
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  return defer(() => {
    let offset = fromOffset;
    let failures = 0;
    let idleResumes = 0;
    return defer(() => open(offset)).pipe(
      filter((message) => message.event === undefined || message.event === 'message' || message.event === 'error'),
      map((message) => {
        if (message.event === 'error') throw sseErrorToApiError(message);
        return decode(codec, parseJson(message.data, codec.name));
      }),
      filter((chunk) => typeof chunk.offset !== 'number' || chunk.offset > offset),
      map((chunk): Positioned<C> => ({ ...chunk, offset: typeof chunk.offset === 'number' ? chunk.offset : offset })),
      tap((chunk) => {
        offset = chunk.offset;
        failures = 0;
        idleResumes = 0;
      }),
      retry({
        delay: (err: unknown) => {
          if (isIdleTimeout(err)) {
            idleResumes++;
            const extra = idleResumes - FREE_IDLE_RESUMES;
            return timer(extra <= 0 ? 0 : Math.min(100 * 2 ** extra, MAX_IDLE_RESUME_DELAY_MS), scheduler);
          }
          if (isDroppedConnection(err) && failures < maxFailures) {
            failures++;
            return timer(Math.min(backoffMs * 2 ** (failures - 1), maxBackoffMs), scheduler);
          }
          return throwError(() => err);
        },
      }),
    );
  });
}
