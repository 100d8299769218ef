/**
 * A minimal ApiCaller for the raw-resource tests: records every request it
 * is asked to send and answers from a queue of canned replies, decoding JSON
 * replies with the endpoint's codec like the real caller does.
 */
import type * as t from 'io-ts';
import { Observable } from 'rxjs';
import type { ApiCaller, ApiRequest, SseMessage } from '../../../src/core/request.js';
import { describeErrors } from '../../../src/api/views/index.js';

export type CallKind = 'json' | 'text' | 'bytes' | 'sse';

export interface RecordedCall {
  readonly kind: CallKind;
  readonly request: ApiRequest;
  /** Name of the codec a `json` call decodes with. */
  readonly codec?: string;
}

/** Thrown (as an Observable error) when a canned reply does not match the codec. */
export class FakeDecodeError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`decode failed: ${problems.join('; ')}`);
  }
}

export class RecordingCaller implements ApiCaller {
  readonly calls: RecordedCall[] = [];
  readonly #replies: unknown[] = [];

  /** Queues replies; each subscription takes the next one. */
  reply(...values: unknown[]): this {
    this.#replies.push(...values);
    return this;
  }

  get last(): RecordedCall {
    const call = this.calls[this.calls.length - 1];
    if (!call) throw new Error('no request was sent');
    return call;
  }

  json<A>(request: ApiRequest, codec: t.Decoder<unknown, A>): Observable<A> {
    return this.#send('json', request, codec.name, (value) => {
      const result = codec.decode(value);
      if (result._tag === 'Left') throw new FakeDecodeError(describeErrors(result.left));
      return [result.right];
    });
  }

  text(request: ApiRequest): Observable<string> {
    return this.#send('text', request, undefined, (value) => [String(value)]);
  }

  bytes(request: ApiRequest): Observable<Uint8Array> {
    return this.#send('bytes', request, undefined, (value) => value as Uint8Array[]);
  }

  sse(request: ApiRequest): Observable<SseMessage> {
    return this.#send('sse', request, undefined, (value) => value as SseMessage[]);
  }

  #send<T>(
    kind: CallKind,
    request: ApiRequest,
    codec: string | undefined,
    convert: (value: unknown) => T[],
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.calls.push({ kind, request, ...(codec === undefined ? {} : { codec }) });
      if (this.#replies.length === 0) {
        subscriber.error(new Error(`no canned reply for ${request.method} ${request.path}`));
        return;
      }
      const reply = this.#replies.shift();
      try {
        if (reply instanceof Error) throw reply;
        for (const value of convert(reply)) subscriber.next(value);
        subscriber.complete();
      } catch (err) {
        subscriber.error(err);
      }
    });
  }
}
