/**
 * Per-request abort signals that all abort when the server stops, while the
 * server's shared `stopping` signal carries ONE listener however many
 * requests are open. A listener per request on the shared signal trips
 * Node's MaxListenersExceededWarning at 11 concurrent long-polls (a fleet's
 * `wait_for_status` calls); `AbortSignal.any([stopping, …])` adds no
 * listener but keeps a reference per request on the shared signal until GC.
 */

/**
 * One request's abort handle: `signal` aborts when the server stops or when
 * {@link RequestAbort.abort} is called; {@link RequestAbort.release} forgets
 * the request (call it once the response is over, whatever happened).
 *
 * @example
 * const request = signals.open();
 * res.on('close', () => { if (!res.writableFinished) request.abort(); request.release(); });
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
