import { Subject, type Observable } from 'rxjs';
import type { ApiRequest } from '../core/request.js';

/**
 * Which ApiCaller method sent a request.
 *
 * @example
 * if (request.kind === 'sse') request.complete();
 */
export type RequestKind = 'json' | 'text' | 'bytes' | 'sse';

/**
 * The life of one recorded request.
 *
 * @example
 * expect(caller.expectOne('/v1/x').state).toBe('cancelled');
 */
export type RequestState = 'open' | 'completed' | 'errored' | 'cancelled';

/**
 * One request seen by a {@link FakeApiCaller}. A request with no scripted
 * reply stays open until the test answers it with `flush`, `next`, `error`
 * or `complete` (angular's TestRequest style).
 *
 * @example
 * const req = caller.expectOne('POST /v1/devboxes/dbx_1/shutdown');
 * req.flush({ id: 'dbx_1', status: 'shutdown' });
 */
export class TestRequest {
  #state: RequestState = 'open';
  readonly #manual = new Subject<unknown>();

  /** @internal */
  constructor(
    readonly kind: RequestKind,
    readonly request: ApiRequest,
  ) {}

  /** Shorthand for `request.method`. */
  get method(): ApiRequest['method'] {
    return this.request.method;
  }
  /** Shorthand for `request.path`. */
  get path(): string {
    return this.request.path;
  }
  /** Shorthand for `request.body`. */
  get body(): unknown {
    return this.request.body;
  }
  /** `open` until the response completes or fails, or the subscriber unsubscribes (`cancelled`). */
  get state(): RequestState {
    return this.#state;
  }
  /** True when the subscriber went away before the response ended (i.e. the HTTP request would be aborted). */
  /**
   * True once the request got its answer (a reply that completed, or an
   * error reply such as a 408), as opposed to {@link cancelled} (the SDK
   * unsubscribed first) or still open.
   */
  get answered(): boolean {
    return this.#state === 'completed' || this.#state === 'errored';
  }
  get cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /** Answers an open request with one value and completes it. */
  flush(value: unknown): void {
    this.#manual.next(value);
    this.#manual.complete();
  }
  /** Emits one value (e.g. an SSE chunk) and keeps the request open. */
  next(value: unknown): void {
    this.#manual.next(value);
  }
  /** Ends an open (e.g. SSE) response. */
  complete(): void {
    this.#manual.complete();
  }
  /** Fails an open request, e.g. with `apiErrorFromResponse(408, …)`. */
  error(err: unknown): void {
    this.#manual.error(err);
  }

  /** @internal the manual channel, used when no reply is scripted. */
  get manual$(): Observable<unknown> {
    return this.#manual.asObservable();
  }
  /** @internal */
  settle(state: Exclude<RequestState, 'open'>): void {
    if (this.#state === 'open') this.#state = state;
  }

  /** `'POST /v1/… (open)'`, for assertion messages. */
  toString(): string {
    return `${this.method} ${this.path} [${this.kind}] (${this.#state})`;
  }
}
