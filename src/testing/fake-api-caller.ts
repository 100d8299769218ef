import { Observable, map } from 'rxjs';
import type * as t from 'io-ts';
import { decode } from '../core/decode.js';
import { APIUserAbortError } from '../core/errors.js';
import type { ApiCaller, ApiRequest, SseMessage } from '../core/request.js';
import { describeMatcher, toPredicate, type RequestMatcher } from './request-matcher.js';
import { replyToObservable, toSseMessage, type Reply } from './replies.js';
import { TestRequest, type RequestKind } from './test-request.js';

interface Script {
  readonly matches: (request: ApiRequest) => boolean;
  readonly replies: readonly Reply[];
  used: number;
}

/**
 * Returned by {@link FakeApiCaller.when}.
 *
 * @example
 * caller.when('GET /v1/devboxes/dbx_1').respond(devboxView({ id: 'dbx_1' }));
 */
export interface ScriptBuilder {
  /**
   * Answers successive matching requests with these replies in order; the
   * last one keeps answering after that. With no replies, matching requests
   * stay open for the test to answer by hand. Returns the caller for chaining.
   */
  respond(...replies: readonly Reply[]): FakeApiCaller;
}

/**
 * An {@link ApiCaller} for tests: answers from a script of replies keyed by
 * request, records every request, and asserts on them like angular's
 * `HttpTestingController` (`expectOne`, `match`, `expectNone`, `verify`).
 *
 * Like the real caller it is cold (each subscription is a new request),
 * decodes JSON replies with the codec, and honours `options.signal`.
 * Replies that are Observables run on the current scheduler, so marble tests
 * (`cold('--a|')`) control when each answer arrives.
 *
 * @example
 * const caller = new FakeApiCaller()
 *   .when('POST /v1/devboxes/dbx_1/wait_for_status').respond(statusReply(408), runningView);
 * const sdk = RunloopSDK.fromCaller(caller);
 * await firstValueFrom(sdk.devbox.fromId('dbx_1').awaitRunning());
 * caller.verify();
 */
export class FakeApiCaller implements ApiCaller {
  readonly #scripts: Script[] = [];
  readonly #log: TestRequest[] = [];
  readonly #claimed = new Set<TestRequest>();

  /** Scripts replies for requests matching `matcher`; later scripts win over earlier ones. */
  when(matcher: RequestMatcher): ScriptBuilder {
    return {
      respond: (...replies) => {
        this.#scripts.push({ matches: toPredicate(matcher), replies, used: 0 });
        return this;
      },
    };
  }

  /** Every request so far, in order, including cancelled ones. */
  get requests(): readonly TestRequest[] {
    return this.#log;
  }

  /** The one not-yet-claimed request matching `matcher`; throws if there are none or several. */
  expectOne(matcher: RequestMatcher): TestRequest {
    const found = this.match(matcher);
    if (found.length !== 1) {
      throw new Error(
        `Expected one request for ${describeMatcher(matcher)}, found ${found.length}.\nRequests:\n${this.#describeLog()}`,
      );
    }
    return found[0] as TestRequest;
  }

  /** All not-yet-claimed requests matching `matcher`, now claimed. */
  match(matcher: RequestMatcher): TestRequest[] {
    const predicate = toPredicate(matcher);
    const found = this.#log.filter((req) => !this.#claimed.has(req) && predicate(req.request));
    for (const req of found) this.#claimed.add(req);
    return found;
  }

  /** Throws if any not-yet-claimed request matches `matcher`. */
  expectNone(matcher: RequestMatcher): void {
    const predicate = toPredicate(matcher);
    const found = this.#log.filter((req) => !this.#claimed.has(req) && predicate(req.request));
    if (found.length > 0) {
      throw new Error(`Expected no request for ${describeMatcher(matcher)}, found ${found.length}.\n${this.#describeLog()}`);
    }
  }

  /** Throws if any request is still open: an unanswered request, or a stream nobody stopped. */
  verify(): void {
    const open = this.#log.filter((req) => req.state === 'open');
    if (open.length > 0) {
      throw new Error(`Expected no open requests, found ${open.length}:\n${open.map(String).join('\n')}`);
    }
  }

  json<A>(request: ApiRequest, codec: t.Decoder<unknown, A>): Observable<A> {
    return this.#send('json', request, (value) => decode(codec, value));
  }

  text(request: ApiRequest): Observable<string> {
    return this.#send('text', request, (value) =>
      typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : JSON.stringify(value),
    );
  }

  bytes(request: ApiRequest): Observable<Uint8Array> {
    return this.#send('bytes', request, (value) =>
      value instanceof Uint8Array ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    );
  }

  sse(request: ApiRequest): Observable<SseMessage> {
    return this.#send('sse', request, toSseMessage);
  }

  #send<T>(kind: RequestKind, request: ApiRequest, convert: (value: unknown) => T): Observable<T> {
    return new Observable<T>((subscriber) => {
      const record = new TestRequest(kind, request);
      this.#log.push(record);
      const signal = request.options?.signal;
      if (signal?.aborted) {
        record.settle('errored');
        subscriber.error(new APIUserAbortError());
        return;
      }
      const onAbort = (): void => {
        record.settle('errored');
        subscriber.error(new APIUserAbortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const script = this.#scriptFor(request);
      const source = script === undefined || script.replies.length === 0 ? record.manual$ : replyToObservable(nextReply(script), request);
      const inner = source.pipe(map(convert)).subscribe({
        next: (value) => subscriber.next(value),
        error: (err: unknown) => {
          record.settle('errored');
          subscriber.error(err);
        },
        complete: () => {
          record.settle('completed');
          subscriber.complete();
        },
      });
      return () => {
        signal?.removeEventListener('abort', onAbort);
        record.settle('cancelled');
        inner.unsubscribe();
      };
    });
  }

  #scriptFor(request: ApiRequest): Script | undefined {
    for (let i = this.#scripts.length - 1; i >= 0; i--) {
      const script = this.#scripts[i] as Script;
      if (script.matches(request)) return script;
    }
    return undefined;
  }

  #describeLog(): string {
    return this.#log.length === 0 ? '  (none)' : this.#log.map((req) => `  ${String(req)}`).join('\n');
  }
}

function nextReply(script: Script): Reply {
  const reply = script.replies[Math.min(script.used, script.replies.length - 1)];
  script.used += 1;
  return reply;
}
