import { Observable, type SchedulerLike } from 'rxjs';
import type * as t from 'io-ts';
import { createApiCaller, type CoreClient } from '../core/caller.js';
import type { ApiCaller, ApiRequest, SseMessage } from '../core/request.js';
import { FakeTransport, type PendingHttpRequest } from './fake-transport.js';
import { describeMatcher, toPredicate, type RequestMatcher } from './request-matcher.js';
import { replyToObservable, type Reply } from './replies.js';
import { answerFromReply } from './reply-response.js';
import { TestRequest, type RequestKind } from './test-request.js';

/** Names the call an attempt belongs to; only this caller's own transport sees it. */
const CALL_HEADER = 'x-fake-api-call';

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
 * Options of a {@link FakeApiCaller}.
 *
 * @example
 * const caller = new FakeApiCaller({ maxRetries: 2 }); // a scripted 503 is retried, as in production
 */
export interface FakeApiCallerOptions {
  /**
   * Retries per call, as `RunloopSDKOptions.maxRetries`. Default 0, so each
   * call consumes exactly one scripted reply; set it to exercise the SDK's
   * retry policy (its backoff runs on the scheduler, virtual in marble tests).
   */
  readonly maxRetries?: number;
  /** Where retry backoff waits; default `asyncScheduler` (virtual inside `TestScheduler.run`). */
  readonly scheduler?: SchedulerLike;
}

/**
 * An {@link ApiCaller} for tests: answers from a script of replies keyed by
 * request, records every request, and asserts on them like angular's
 * `HttpTestingController` (`expectOne`, `match`, `expectNone`, `verify`).
 *
 * It is sugar over a {@link FakeTransport}: every call goes through the
 * SDK's real client (idempotency key, retry, status mapping, body decoding)
 * and each attempt reaches `transport`, where the scripted reply is sent as
 * the HTTP a server would send (a `statusReply(404)` is a 404 with its JSON
 * body, an SSE reply a `text/event-stream`). So it is cold (each
 * subscription is a new request), decodes JSON with the codec, and honours
 * `options.signal`, exactly like production. Replies that are Observables
 * run on the current scheduler, so marble tests (`cold('--a|')`) control
 * when each answer arrives; a JSON answer ends its call, as on the wire.
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
  /** Every HTTP attempt, below retry and status mapping (a retried call shows each attempt). */
  readonly transport: FakeTransport;
  readonly #client: CoreClient;

  constructor(options: FakeApiCallerOptions = {}) {
    this.transport = new FakeTransport({ autoRespond: (pending) => this.#answer(pending) });
    this.#client = createApiCaller(
      {
        bearerToken: 'fake',
        baseURL: 'http://fake-api.invalid',
        maxRetries: options.maxRetries ?? 0,
        env: {},
        transport: this.transport.handler,
      },
      options.scheduler,
    );
  }

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
      throw new Error(
        `Expected no request for ${describeMatcher(matcher)}, found ${found.length}.\n${this.#describeLog()}`,
      );
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
    return this.#send('json', request, (tagged) => this.#client.json(tagged, codec));
  }

  text(request: ApiRequest): Observable<string> {
    return this.#send('text', request, (tagged) => this.#client.text(tagged));
  }

  bytes(request: ApiRequest): Observable<Uint8Array> {
    return this.#send('bytes', request, (tagged) => this.#client.bytes(tagged));
  }

  sse(request: ApiRequest): Observable<SseMessage> {
    return this.#send('sse', request, (tagged) => this.#client.sse(tagged));
  }

  /** Records the call, then sends it through the real client with a header naming the record. */
  #send<T>(kind: RequestKind, request: ApiRequest, call: (tagged: ApiRequest) => Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      const record = new TestRequest(kind, request);
      const id = String(this.#log.push(record) - 1);
      const tagged: ApiRequest = {
        ...request,
        options: { ...request.options, headers: { ...request.options?.headers, [CALL_HEADER]: id } },
      };
      const inner = call(tagged).subscribe({
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
        record.settle('cancelled');
        inner.unsubscribe();
      };
    });
  }

  /** The transport's auto-answer: the next scripted reply of the call, or the record's manual channel. */
  #answer(pending: PendingHttpRequest): ReturnType<typeof answerFromReply> | undefined {
    const record = this.#log[Number(pending.request.headers[CALL_HEADER])];
    if (record === undefined) return undefined;
    const script = this.#scriptFor(record.request);
    const reply$ =
      script === undefined || script.replies.length === 0
        ? record.manual$
        : replyToObservable(nextReply(script), record.request);
    return answerFromReply(pending, record.kind, reply$);
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
