/**
 * Building the wire request from an {@link ApiRequest}: URL, body and headers,
 * plus the idempotency-key interceptor.
 */
import { defer } from 'rxjs';
import { randomUuid } from './bytes.js';
import { SDK_VERSION, type BaseConfig } from './client-options.js';
import type { HttpInterceptor, HttpRequest } from './http.js';
import { encodeQuery } from './query.js';
import type { ApiRequest } from './request.js';

/**
 * `User-Agent` sent on every request.
 *
 * @example
 * USER_AGENT; // 'runloop-rx/0.1.0'
 */
export const USER_AGENT = `runloop-rx/${SDK_VERSION}`;
/**
 * The idempotency header for non-GETs (runloop-api.md §1); servers dedupe by it.
 *
 * @example
 * const key = req.headers[IDEMPOTENCY_HEADER];
 */
export const IDEMPOTENCY_HEADER = 'x-request-id';

/**
 * Headers every request carries: auth, Accept, User-Agent, and for every
 * non-GET `Content-Type: application/json` even without a body (multipart
 * bodies get theirs, with the boundary, from undici).
 *
 * @example
 * baseHeaders('key', { method: 'POST', path: '/v1/devboxes' });
 * // { authorization: 'Bearer key', accept: 'application/json', 'user-agent': 'runloop-rx/0.1.0', 'content-type': 'application/json' }
 */
export function baseHeaders(bearerToken: string, request: ApiRequest): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${bearerToken}`,
    accept: request.accept ?? 'application/json',
    'user-agent': USER_AGENT,
  };
  if (request.method !== 'GET' && request.multipart === undefined) headers['content-type'] = 'application/json';
  return headers;
}

/**
 * Merges header layers left to right (later wins, names lower-cased);
 * a `null` value removes the header.
 *
 * @example
 * mergeHeaders({ accept: 'application/json' }, { Accept: null }); // {}
 */
export function mergeHeaders(
  ...layers: ReadonlyArray<Readonly<Record<string, string | null>> | undefined>
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const name of Object.keys(layer)) {
      const value = layer[name];
      if (value === undefined) continue;
      const key = name.toLowerCase();
      if (value === null) delete out[key];
      else out[key] = value;
    }
  }
  return out;
}

/**
 * Turns a resource's request description into the wire request.
 * Precedence: SDK headers < `defaultHeaders` < per-call headers.
 * A JSON body is serialised with 2-space indentation (§1).
 *
 * @example
 * buildHttpRequest(config, { method: 'GET', path: '/v1/devboxes', query: { limit: 5 } }).url;
 * // 'https://api.runloop.ai/v1/devboxes?limit=5'
 */
export function buildHttpRequest(config: BaseConfig, request: ApiRequest): HttpRequest {
  const options = request.options ?? {};
  const headers = mergeHeaders(
    baseHeaders(config.bearerToken, request),
    config.defaultHeaders,
    options.idempotencyKey !== undefined ? { [IDEMPOTENCY_HEADER]: options.idempotencyKey } : undefined,
    options.headers,
  );
  const body = request.multipart ?? (request.body !== undefined ? JSON.stringify(request.body, null, 2) : undefined);
  return {
    method: request.method,
    url: `${config.baseURL}${request.path}${encodeQuery(request.query)}`,
    headers,
    ...(body !== undefined ? { body } : {}),
    timeoutMs: options.timeoutMs ?? config.timeoutMs,
    maxRetries: options.maxRetries ?? config.maxRetries,
  };
}

/**
 * Gives every non-GET an `x-request-id` idempotency key, generated once per
 * subscription (i.e. per call) and so reused by every retry inside it.
 * A key already on the request (from `idempotencyKey`) is kept.
 *
 * @example
 * const send = chainInterceptors(transport, [withIdempotencyKey(), withRetry({ maxRetries: 5 })]);
 */
export function withIdempotencyKey(generate: () => string = () => `runloop-rx-${randomUuid()}`): HttpInterceptor {
  return (request, next) =>
    request.method === 'GET' || request.headers[IDEMPOTENCY_HEADER] !== undefined
      ? next(request)
      : defer(() => next({ ...request, headers: { ...request.headers, [IDEMPOTENCY_HEADER]: generate() } }));
}
