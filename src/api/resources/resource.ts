/**
 * What every raw resource shares: the caller, path encoding, and the
 * request options of long-polls.
 */
import type { ApiCaller, RequestOptions } from '../../core/request.js';

/** How long a `wait_for_status` request may be held, in ms (runloop-api.md §5). @example longPollOptions().timeoutMs === LONG_POLL_TIMEOUT_MS */
export const LONG_POLL_TIMEOUT_MS = 600_000;

/**
 * Builds an API path, encoding every interpolated segment so an id can never
 * change which endpoint is called.
 *
 * @example
 * apiPath`/v1/devboxes/${'a/b'}`; // '/v1/devboxes/a%2Fb'
 */
export function apiPath(strings: TemplateStringsArray, ...segments: readonly string[]): string {
  return strings.reduce(
    (path, part, i) => path + part + (i < segments.length ? encodeURIComponent(segments[i] ?? '') : ''),
    '',
  );
}

/** The longest the server may hold one `wait_for_status` before answering 408, in ms (runloop-api.md §5: ≤ 25 s). */
const MAX_HOLD_MS = 25_000;

/**
 * Request options of one long-poll request: no core retries (the long-poll
 * loop re-issues on 408 itself), and a timeout that never cuts the hold:
 * without one given, 600 s; a given `timeoutMs` counts from the end of the
 * longest hold the server may take, so `timeoutMs: 200` waits 25.2 s for
 * headers rather than failing a healthy long-poll after 200 ms.
 *
 * @example
 * longPollOptions({ signal }); // { maxRetries: 0, timeoutMs: 600000, signal }
 * longPollOptions({ timeoutMs: 200 }).timeoutMs; // 25200
 */
export function longPollOptions(options: RequestOptions = {}): RequestOptions {
  const timeoutMs = options.timeoutMs === undefined ? LONG_POLL_TIMEOUT_MS : MAX_HOLD_MS + options.timeoutMs;
  return { maxRetries: 0, ...options, timeoutMs };
}

/**
 * Base of the raw resources. Every method returns a cold Observable: nothing
 * is sent until subscription, each subscription sends again, and
 * unsubscribing aborts the request in flight.
 *
 * @example
 * class Things extends ApiResource { retrieve(id: string) { return this.caller.json({ method: 'GET', path: apiPath`/v1/things/${id}` }, Thing); } }
 */
export abstract class ApiResource {
  constructor(protected readonly caller: ApiCaller) {}
}

/**
 * `{ options }` when options were given, else nothing, so recorded requests stay minimal.
 *
 * @example
 * this.caller.json({ method: 'GET', path, ...withOptions(options) }, View);
 */
export function withOptions(options: RequestOptions | undefined): { readonly options?: RequestOptions } {
  return options === undefined ? {} : { options };
}
