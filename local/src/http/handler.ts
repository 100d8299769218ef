/**
 * The request pipeline: intercept → route → auth → query → body → idempotency
 * → handler → reply, with every failure turned into a JSON ErrorBody.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from '../context.js';
import { DEFAULT_JSON_LIMIT, readJsonBody } from './body.js';
import { clip } from './clip.js';
import { toErrorReply } from './errors.js';
import { fingerprintOf, type Idempotency } from './idempotency.js';
import type { AnyRequest, AnyResponse } from './listener.js';
import { deliverReply, writeJson, writeReply } from './reply.js';
import { HttpError, type Route, type RouteContext } from './route.js';
import { closedEarly, RequestSignals } from './request-signals.js';
import type { Router } from './router.js';
import { decodeOrThrow, decodeQuery } from './validate.js';

/**
 * What the pipeline needs.
 *
 * @example
 * createRequestHandler({ router, token, idempotency, log, stopping: controller.signal })
 */
export interface RequestHandlerOptions {
  readonly router: Router;
  readonly token: string;
  readonly idempotency: Idempotency;
  readonly log: Logger;
  /** Aborts every request's signal when the server stops. */
  readonly stopping: AbortSignal;
  /** Called first; true = the request was taken (tunnels by Host header). */
  readonly intercept?: (req: AnyRequest, res: AnyResponse) => boolean;
  readonly jsonLimit?: number;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * True when `authorization` is `Bearer <token>`. Compared in constant time
 * (digests have equal length whatever the input).
 *
 * @example
 * isAuthorized('Bearer abc', 'abc') // true
 */
export function isAuthorized(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  const given = match?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

function headersOf(req: AnyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out.host ??= out[':authority'];
  return out;
}

function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  // Repeated keys: the last wins (the official client never repeats one).
  for (const [key, value] of url.searchParams) out[key] = value;
  return out;
}

/**
 * Builds the `(req, res)` callback for the listener.
 *
 * @example
 * const onRequest = createRequestHandler({ router, token, idempotency, log, stopping });
 */
export function createRequestHandler(options: RequestHandlerOptions): (req: AnyRequest, res: AnyResponse) => void {
  const jsonLimit = options.jsonLimit ?? DEFAULT_JSON_LIMIT;
  const signals = new RequestSignals(options.stopping);

  const handle = async (req: AnyRequest, res: AnyResponse, signal: AbortSignal): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'invalid_request', 'the request target is not a valid URL');
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const match = options.router.match(method, url.pathname);
    const shownPath = clip(url.pathname);
    if (match.kind === 'not_found') {
      throw new HttpError(404, 'not_found', `no route for ${method.slice(0, 16)} ${shownPath}`);
    }
    if (match.kind === 'method_not_allowed') {
      throw new HttpError(405, 'method_not_allowed', `${method.slice(0, 16)} is not allowed on ${shownPath}`, {
        allow: match.allowed.join(', '),
      });
    }
    const route: Route<unknown, unknown> = match.route;
    const headers = headersOf(req);
    if (route.public !== true && !isAuthorized(headers.authorization, options.token)) {
      throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token', { 'www-authenticate': 'Bearer' });
    }
    const rawQuery = queryOf(url);
    const query = route.query === undefined ? rawQuery : decodeQuery(route.query, rawQuery);
    let body: unknown = {};
    if (route.raw !== true && method !== 'GET') {
      const parsed = await readJsonBody(req, headers['content-length'], jsonLimit);
      body = route.body === undefined ? parsed : decodeOrThrow(route.body, parsed, 'body');
    }
    const context: RouteContext<unknown, unknown> = {
      params: match.params,
      query,
      body,
      headers,
      raw: route.raw === true ? req : Readable.from([]),
      signal,
    };
    const requestId = headers['x-request-id'];
    if (method === 'GET' || route.raw === true || requestId === undefined || requestId === '') {
      await writeReply(res, await route.handler(context), signal);
      return;
    }
    await options.idempotency.run(
      { token: options.token, method, path: url.pathname, requestId },
      fingerprintOf(url.search, body),
      () => route.handler(context),
      (reply) => deliverReply(res, reply, signal),
    );
  };

  return (req, res) => {
    try {
      if (options.intercept?.(req, res) === true) return;
    } catch (error) {
      options.log.error('request interceptor failed', { error: String(error) });
    }
    // One listener on `stopping` for all requests, not one each (see request-signals.ts).
    const abort = signals.open();
    res.on('close', () => {
      if (closedEarly(res)) abort.abort();
      abort.release();
    });
    handle(req, res, abort.signal).catch((error: unknown) => {
      const reply = toErrorReply(error);
      // A client that left mid-body (or a stopping server) is not a bug.
      if (reply.bug && !abort.signal.aborted) {
        options.log.error('request failed', {
          method: req.method,
          path: req.url?.split('?')[0],
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!res.destroyed) writeJson(res, reply.status, reply.body, reply.headers);
    });
  };
}
