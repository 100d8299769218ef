/**
 * Per-request abort signals that all abort when the server stops, while the
 * server's shared `stopping` signal carries ONE listener however many
 * requests are open. A listener per request on the shared signal trips
 * Node's MaxListenersExceededWarning at 11 concurrent long-polls (a fleet's
 * `wait_for_status` calls); `AbortSignal.any([stopping, …])` adds no
 * listener but keeps a reference per request on the shared signal until GC.
 */

/**
 * The parts of an HTTP/1.1 or HTTP/2 compat response that tell how it closed.
 *
 * @example
 * const closing: ClosingResponse = res;
 */
export interface ClosingResponse {
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  /** HTTP/2 only: the stream, whose `rstCode` is non-zero when it was reset. */
  readonly stream?: { readonly rstCode?: number };
}

/**
 * True when a response closed before the server sent all of it: the client
 * left or cancelled. On HTTP/2 the compat response says `writableFinished`
 * even for a stream the client reset (RST_STREAM), so that flag alone would
 * leave a cancelled request held until its own timeout.
 *
 * @example
 * res.on('close', () => { if (closedEarly(res)) request.abort(); request.release(); });
 */
export function closedEarly(res: ClosingResponse): boolean {
  return !res.writableEnded || !res.writableFinished || (res.stream?.rstCode ?? 0) !== 0;
}

/**
 * One request's abort handle: `signal` aborts when the server stops or when
 * {@link RequestAbort.abort} is called; {@link RequestAbort.release} forgets
 * the request (call it once the response is over, whatever happened).
 *
 * @example
 * const request = signals.open();
 * res.on('close', () => { if (closedEarly(res)) request.abort(); request.release(); });
 */
export interface RequestAbort {
  readonly signal: AbortSignal;
  abort(): void;
  release(): void;
}

/**
 * Hands out per-request abort handles tied to `stopping`.
 *
 * @example
 * const signals = new RequestSignals(stopController.signal);
 * const request = signals.open();
 * await handle(req, res, request.signal);
 */
export class RequestSignals {
  readonly #open = new Set<AbortController>();

  constructor(private readonly stopping: AbortSignal) {
    // Added once, for the server's lifetime: the only listener this class puts on `stopping`.
    if (!stopping.aborted) stopping.addEventListener('abort', () => this.#abortAll(), { once: true });
  }

  /** How many requests are open (not yet released); for tests and diagnostics. */
  get openCount(): number {
    return this.#open.size;
  }

  /** A new request's handle; already aborted when the server is stopping. */
  open(): RequestAbort {
    const controller = new AbortController();
    if (this.stopping.aborted) controller.abort();
    else this.#open.add(controller);
    return {
      signal: controller.signal,
      abort: () => controller.abort(),
      release: () => void this.#open.delete(controller),
    };
  }

  #abortAll(): void {
    const all = [...this.#open];
    this.#open.clear();
    for (const controller of all) controller.abort();
  }
}
