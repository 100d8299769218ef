/**
 * How a scripted reply becomes HTTP: the bytes a real server would send for
 * it, so that `FakeApiCaller` can answer through the SDK's own status
 * mapping, retry and body decoding instead of around them.
 */
import { Observable, Subscription, of, type Subscriber } from 'rxjs';
import { APIError } from '../core/errors.js';
import type { PendingHttpRequest } from './fake-transport.js';
import { toSseMessage } from './replies.js';
import type { RequestKind } from './test-request.js';

const JSON_TYPE = { 'content-type': 'application/json' } as const;

/** A JSON body; `undefined` is an empty body (what a 200 without content decodes to). */
function jsonBytes(value: unknown): Buffer {
  return Buffer.from(value === undefined ? '' : JSON.stringify(value));
}

function textBytes(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(JSON.stringify(value));
}

/** One SSE event on the wire: `event:` if named, one `data:` line per line, a blank line. */
function sseBytes(value: unknown): Buffer {
  const message = toSseMessage(value);
  const event = message.event === undefined ? '' : `event: ${message.event}\n`;
  const data = message.data
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('');
  return Buffer.from(`${event}${data}\n`);
}

const TEXT_TYPE = { 'content-type': 'text/plain; charset=utf-8' } as const;
const BYTES_TYPE = { 'content-type': 'application/octet-stream' } as const;
const SSE_TYPE = { 'content-type': 'text/event-stream' } as const;

/** A whole body at once, exactly these bytes. */
function answerBytes(
  pending: PendingHttpRequest,
  status: number,
  headers: Readonly<Record<string, string>>,
  bytes: Uint8Array,
): void {
  pending.stream(status, of(bytes), headers);
}

/**
 * An error reply as the server's answer: an {@link APIError} with a status
 * becomes that status with its JSON body (so the SDK maps it back to the same
 * typed error); anything else fails the attempt like a dropped connection.
 */
function answerError(pending: PendingHttpRequest, err: unknown): void {
  if (err instanceof APIError && err.status !== undefined) {
    answerBytes(pending, err.status, { ...JSON_TYPE, ...err.headers }, jsonBytes(err.error));
  } else {
    pending.fail(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Answers `pending` from `reply$`, a scripted reply of a `kind` request:
 * - `json` / `text`: the first value is the whole body (a real response
 *   ends when its body does, so the call completes with it);
 * - `bytes` / `sse`: the first value opens a 200 stream and every value is a
 *   chunk or an SSE event, until the reply completes or fails;
 * - a failure before any value is the answer itself (see `answerError`).
 * Returns the subscription to stop if the SDK cancels before an answer.
 *
 * @example
 * answerFromReply(pending, 'json', of({ id: 'dbx_1' }));
 */
export function answerFromReply(
  pending: PendingHttpRequest,
  kind: RequestKind,
  reply$: Observable<unknown>,
): Subscription {
  if (kind === 'json' || kind === 'text') {
    const headers = kind === 'json' ? JSON_TYPE : TEXT_TYPE;
    const encode = kind === 'json' ? jsonBytes : textBytes;
    // Added to after the fact, so an answer that arrives during subscribe still stops the reply.
    const subscription = new Subscription();
    subscription.add(
      reply$.subscribe({
        next: (value) => {
          if (pending.answered) return;
          answerBytes(pending, 200, headers, encode(value));
          // The answer is whole, as a response ends with its body: later values have nowhere to go.
          subscription.unsubscribe();
        },
        error: (err: unknown) => {
          if (!pending.answered) answerError(pending, err);
        },
        complete: () => {
          if (!pending.answered) answerBytes(pending, 200, headers, encode(undefined));
        },
      }),
    );
    return subscription;
  }
  return answerStream(pending, kind === 'sse' ? SSE_TYPE : BYTES_TYPE, kind === 'sse' ? sseBytes : textBytes, reply$);
}

/**
 * A streamed answer: headers at the reply's first value (or its end), then
 * each value as a chunk. Values that arrive before the SDK subscribes the
 * body are held for it; unsubscribing the body stops the reply.
 */
function answerStream(
  pending: PendingHttpRequest,
  headers: Readonly<Record<string, string>>,
  encode: (value: unknown) => Uint8Array,
  reply$: Observable<unknown>,
): Subscription {
  const held: Uint8Array[] = [];
  let end: { readonly error?: unknown; readonly failed: boolean } | undefined;
  let reader: Subscriber<Uint8Array> | undefined;
  const subscription = new Subscription();
  const stop = (): void => subscription.unsubscribe();
  const body = new Observable<Uint8Array>((subscriber) => {
    reader = subscriber;
    for (const chunk of held.splice(0)) subscriber.next(chunk);
    if (end !== undefined) {
      if (end.failed) subscriber.error(end.error);
      else subscriber.complete();
    }
    return stop;
  });
  const open = (): void => {
    if (!pending.answered) pending.stream(200, body, headers);
  };
  subscription.add(
    reply$.subscribe({
      next: (value) => {
        open();
        if (reader === undefined) held.push(encode(value));
        else reader.next(encode(value));
      },
      error: (err: unknown) => {
        if (!pending.answered) return answerError(pending, err);
        if (reader === undefined) end = { error: err, failed: true };
        else reader.error(err);
      },
      complete: () => {
        open();
        if (reader === undefined) end = { failed: false };
        else reader.complete();
      },
    }),
  );
  return subscription;
}
