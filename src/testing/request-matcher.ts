import type { ApiRequest } from '../core/request.js';

/**
 * Selects requests in a {@link FakeApiCaller}:
 * - a string `'POST /v1/devboxes/dbx_1/shutdown'` (method and exact path) or `'/v1/devboxes'` (any method);
 * - an object with any of `method`, `path` (exact string or RegExp) and a `body` predicate;
 * - any predicate on the request.
 *
 * @example
 * const m: RequestMatcher = { method: 'POST', path: /\/wait_for_status$/ };
 */
export type RequestMatcher =
  | string
  | ((request: ApiRequest) => boolean)
  | {
      readonly method?: ApiRequest['method'];
      readonly path?: string | RegExp;
      readonly body?: (body: unknown) => boolean;
    };

/**
 * Turns a {@link RequestMatcher} into a predicate.
 *
 * @example
 * toPredicate('GET /v1/devboxes')({ method: 'GET', path: '/v1/devboxes' }); // true
 */
export function toPredicate(matcher: RequestMatcher): (request: ApiRequest) => boolean {
  if (typeof matcher === 'function') return matcher;
  if (typeof matcher === 'string') {
    const space = matcher.indexOf(' ');
    const method = space === -1 ? undefined : matcher.slice(0, space).toUpperCase();
    const path = space === -1 ? matcher : matcher.slice(space + 1).trim();
    return (request) => (method === undefined || request.method === method) && request.path === path;
  }
  return (request) =>
    (matcher.method === undefined || request.method === matcher.method) &&
    (matcher.path === undefined ||
      (typeof matcher.path === 'string' ? request.path === matcher.path : matcher.path.test(request.path))) &&
    (matcher.body === undefined || matcher.body(request.body));
}

/**
 * A short human description of a matcher, for assertion messages.
 *
 * @example
 * describeMatcher('GET /v1/devboxes'); // 'GET /v1/devboxes'
 */
export function describeMatcher(matcher: RequestMatcher): string {
  if (typeof matcher === 'string') return matcher;
  if (typeof matcher === 'function') return matcher.name || '<predicate>';
  return `${matcher.method ?? '*'} ${matcher.path === undefined ? '*' : String(matcher.path)}`;
}
