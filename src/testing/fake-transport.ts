import { Observable, of, type Subscriber, type Unsubscribable } from 'rxjs';
import type { HttpHandler, HttpRequest, HttpResponse } from '../core/http.js';

/**
 * One HTTP attempt that reached a {@link FakeTransport}, open until the test
 * answers it or the SDK cancels it.
 *
 * @example
 * transport.expectOne('GET', '/v1/devboxes/dbx_1').respond(200, devboxView({ id: 'dbx_1' }));
 */
export class PendingHttpRequest {
  #state: 'open' | 'answered' | 'cancelled' = 'open';

  /** @internal made by FakeTransport. */
  constructor(
    readonly request: HttpRequest,
    private readonly subscriber: Subscriber<HttpResponse>,
  ) {}

  /** The path without the query string, e.g. `/v1/devboxes/dbx_1`. */
  get path(): string {
    return new URL(this.request.url).pathname;
  }
  /** The JSON body the SDK sent, parsed (or `undefined`). */
  get json(): unknown {
    const { body } = this.request;
    return typeof body === 'string' ? (JSON.parse(body) as unknown) : undefined;
  }
  /** True once the test answered it. */
  get answered(): boolean {
    return this.#state === 'answered';
  }
  /** True if the SDK unsubscribed before an answer (an abort, a timeout, a finished race). */
  get cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /**
   * Answers with `status` and a JSON `body` (a string is sent as text). A
   * non-2xx status goes through the SDK's retry and status mapping, as from
   * a real server.
   */
  respond(status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}): void {
    if (this.#state !== 'open') throw new Error(`${this.toString()} was already ${this.#state}`);
    this.#state = 'answered';
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const contentType = typeof body === 'string' ? 'text/plain' : 'application/json';
    this.subscriber.next({ status, headers: { 'content-type': contentType, ...headers }, body: of(Buffer.from(text)) });
    this.subscriber.complete();
  }

  /**
   * Answers with `status` and a body that streams (an SSE stream, a
   * download): the SDK reads `body` as it emits, and unsubscribes it if it
   * leaves early.
   */
  stream(status: number, body: Observable<Uint8Array>, headers: Readonly<Record<string, string>> = {}): void {
    if (this.#state !== 'open') throw new Error(`${this.toString()} was already ${this.#state}`);
    this.#state = 'answered';
    this.subscriber.next({ status, headers: { ...headers }, body });
    this.subscriber.complete();
  }

  /** Fails the attempt with a connection-level error (no response at all). */
  fail(error: Error): void {
    if (this.#state !== 'open') throw new Error(`${this.toString()} was already ${this.#state}`);
    this.#state = 'answered';
    this.subscriber.error(error);
  }

  /** @internal the SDK unsubscribed. */
  cancel(): void {
    if (this.#state === 'open') this.#state = 'cancelled';
  }

  toString(): string {
    return `${this.request.method} ${this.path}`;
  }
}

/**
 * Answers attempts as they arrive, instead of the test answering each by
 * hand: called once per attempt, it may answer `pending` at once or later
 * (`respond`, `stream`, `fail`) and returns what to stop if the SDK cancels
 * the attempt first. `FakeApiCaller` scripts replies this way.
 *
 * @example
 * const autoAnswer: AutoResponder = (pending) => pending.respond(200, { ok: true });
 */
export type AutoResponder = (pending: PendingHttpRequest) => Unsubscribable | void;

/**
 * Options of a {@link FakeTransport}.
 *
 * @example
 * const transport = new FakeTransport({ autoRespond: (pending) => pending.respond(204) });
 */
export interface FakeTransportOptions {
  /** Answers each attempt as it arrives; without it every attempt waits for the test. */
  readonly autoRespond?: AutoResponder;
}

/**
 * A transport for tests that sits where the network does, BELOW retry,
 * status mapping, idempotency keys and interceptors (like Angular's
 * `HttpTestingController`): every attempt is recorded and waits for the test
 * to answer it. Use it to check the exact HTTP the SDK sends, retries
 * included; for scripting whole resources use `FakeApiCaller` and the
 * scenario helpers instead.
 *
 * @example
 * const transport = new FakeTransport();
 * const sdk = new RunloopSDK({ bearerToken: 'k', baseURL: 'http://fake', transport: transport.handler });
 * const info = firstValueFrom(sdk.devbox.attach('dbx_1').getInfo());
 * transport.expectOne('GET', '/v1/devboxes/dbx_1').respond(200, devboxView({ id: 'dbx_1' }));
 * await info;
 * transport.verify();
 */
export class FakeTransport {
  readonly #requests: PendingHttpRequest[] = [];
  readonly #claimed = new Set<PendingHttpRequest>();
  readonly #autoRespond: AutoResponder | undefined;

  constructor(options: FakeTransportOptions = {}) {
    this.#autoRespond = options.autoRespond;
  }

  /** The transport function to pass as `RunloopSDKOptions.transport`. */
  readonly handler: HttpHandler = (request) =>
    new Observable<HttpResponse>((subscriber) => {
      const pending = new PendingHttpRequest(request, subscriber);
      this.#requests.push(pending);
      const answering = this.#autoRespond?.(pending);
      return () => {
        // Only an attempt left unanswered is cancelled; an answered one's body lives on.
        if (pending.answered) return;
        pending.cancel();
        answering?.unsubscribe();
      };
    });

  /** Every attempt so far, in order. */
  get requests(): readonly PendingHttpRequest[] {
    return this.#requests;
  }

  /** The one open, not-yet-claimed attempt with this method and path; throws if there are none or several. */
  expectOne(method: HttpRequest['method'], path: string): PendingHttpRequest {
    const found = this.#requests.filter(
      (r) => !this.#claimed.has(r) && !r.answered && !r.cancelled && r.request.method === method && r.path === path,
    );
    if (found.length !== 1) {
      throw new Error(
        `Expected one open ${method} ${path}, found ${found.length}. Attempts:\n${this.#requests.map((r) => `  ${String(r)}`).join('\n')}`,
      );
    }
    const [one] = found as [PendingHttpRequest];
    this.#claimed.add(one);
    return one;
  }

  /** Throws if an attempt is still open (neither answered nor cancelled). */
  verify(): void {
    const open = this.#requests.filter((r) => !r.answered && !r.cancelled);
    if (open.length > 0)
      throw new Error(
        `Expected no open requests, found ${open.length}:\n${open.map((r) => `  ${String(r)}`).join('\n')}`,
      );
  }
}
