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
  return strings.reduce((path, part, i) => path + part + (i < segments.length ? encodeURIComponent(segments[i] ?? '') : ''), '');
}

/**
 * Request options of one long-poll request: no core retries (the long-poll
 * loop re-issues on 408 itself) and a 600 s timeout, unless the caller says otherwise.
 *
 * @example
 * longPollOptions({ signal }); // { maxRetries: 0, timeoutMs: 600000, signal }
 */
export function longPollOptions(options: RequestOptions = {}): RequestOptions {
  return { maxRetries: 0, timeoutMs: LONG_POLL_TIMEOUT_MS, ...options };
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
