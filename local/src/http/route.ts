/**
 * The seam between runloop-local's HTTP layer and its services.
 *
 * Services declare routes as data; the HTTP layer (h2c + HTTP/1.1 on one
 * port) owns auth, body parsing, validation with the shared io-ts codecs,
 * idempotency by `x-request-id`, and turning errors into JSON bodies.
 * A handler never sees an unvalidated body and never writes to a socket.
 */
import type { Readable } from 'node:stream';
import type * as t from 'io-ts';
import type { ByteRange } from './range.js';

/**
 * A JSON error body that the server sends; `message` says what is wrong.
 *
 * @example
 * const body: ErrorBody = { error: 'not_found', message: 'devbox dbx_1 does not exist' };
 */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details?: unknown;
}

/**
 * A refusal with an explicit status, for the HTTP layer itself (no route,
 * bad token, body not JSON, unsatisfiable Range) and for routes of outside
 * services. runloop-local's own services throw domain errors instead
 * (`../errors.ts`); `errors.ts` here maps both. Anything else thrown is a
 * bug and becomes a 500.
 *
 * @example
 * throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token', { 'www-authenticate': 'Bearer' });
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * The names of the `:params` in a route pattern, as a union.
 *
 * @example
 * type Names = ParamNames<'/v1/devboxes/:id/executions/:executionId'>; // 'id' | 'executionId'
 */
export type ParamNames<Path extends string> = Path extends `${string}:${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? Name | ParamNames<Tail>
    : Rest
  : never;

/**
 * The path parameters of a route pattern, typed from the pattern itself, so
 * a handler reads `params.id` (a string) with no `!`, and a typo in a name
 * fails to compile.
 *
 * @example
 * const params: PathParams<'/v1/devboxes/:id/execute'> = { id: 'dbx_1' };
 */
export type PathParams<Path extends string> = { readonly [Name in ParamNames<Path>]: string };

/**
 * What a handler receives.
 *
 * @example
 * const handler = async ({ params, query }: RouteContext<unknown, { force?: boolean }, '/v1/devboxes/:id/shutdown'>) => json(await devboxes.shutdown(params.id, 'api_shutdown', query.force === true));
 */
export interface RouteContext<Body, Query, Path extends string = string> {
  /** Path parameters by name, e.g. `{ id: 'dbx_…' }` for `/v1/devboxes/:id`, decoded from the URL. */
  readonly params: PathParams<Path>;
  /** The query, decoded by the route's `query` codec. */
  readonly query: Query;
  /** The JSON body, decoded by the route's `body` codec (an empty body decodes as `{}`). */
  readonly body: Body;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw request body, for routes declared with `raw: true` (multipart, presigned PUT). */
  readonly raw: Readable;
  /**
   * Aborts when the client goes away or the server begins to stop; long-polls
   * and SSE must stop on it. It already covers `ctx.stopping`: a handler need
   * not (and should not, per request) listen to that shared signal as well.
   */
  readonly signal: AbortSignal;
}

/**
 * One Server-Sent Event to write.
 *
 * @example
 * const event: SseEvent = { event: 'output', data: JSON.stringify({ output: 'hello\n', offset: 0 }) };
 */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
  /**
   * The producer vouches that `data` is ASCII on one line (JSON of ASCII
   * text is): the writer then skips the line split and sends the text as
   * latin1, the same bytes as UTF-8 here, encoded many times faster.
   */
  readonly ascii?: boolean;
}

/**
 * What a handler answers.
 *
 * @example
 * const ok: Reply = json({ id: 'dbx_1' });
 * const file: Reply = { kind: 'stream', body: createReadStream(path), contentType: 'application/octet-stream' };
 * const none: Reply = { kind: 'empty', status: 204 };
 */
export type Reply =
  | {
      readonly kind: 'json';
      readonly status?: number;
      readonly body: unknown;
      readonly headers?: Record<string, string>;
    }
  | { readonly kind: 'text'; readonly status?: number; readonly body: string; readonly contentType?: string }
  /** With `range`, `body` holds just those bytes and the answer is a 206 with `Content-Range`. */
  | {
      readonly kind: 'stream';
      readonly status?: number;
      readonly body: Readable;
      readonly contentType: string;
      readonly contentLength?: number;
      readonly range?: ByteRange;
    }
  /**
   * Written as `text/event-stream`; the response ends when the iterable ends.
   * A domain error (or HttpError) thrown by the iterable ends it with `event: error` and data
   * `{"code": "<status>", "message"}` (408 makes the official client resume).
   * When the client leaves, the iterable's `return()` is called.
   */
  | { readonly kind: 'sse'; readonly events: AsyncIterable<SseEvent> }
  | { readonly kind: 'empty'; readonly status: number };

/**
 * A route, declared as data. `Path` is the pattern's literal type: the
 * handler's `params` are derived from it ({@link PathParams}).
 *
 * @example
 * const getObject = route({ method: 'GET', path: '/v1/objects/:id', handler: async ({ params }) => json(objects.view(params.id)) });
 */
export interface Route<Body = unknown, Query = unknown, Path extends string = string> {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Express-style pattern: `/v1/devboxes/:id/executions/:executionId`. */
  readonly path: Path;
  readonly body?: t.Decoder<unknown, Body>;
  readonly query?: t.Decoder<unknown, Query>;
  /** Skip bearer auth (presigned object URLs, tunnels carry their own). Default false. */
  readonly public?: boolean;
  /** Do not parse the body; hand the stream to the handler as `raw`. */
  readonly raw?: boolean;
  // Method syntax on purpose: a route typed for its own pattern still fits a
  // table of `Route<any, any>` (whose params are untyped) — parameters of
  // methods are checked bivariantly.
  handler(ctx: RouteContext<Body, Query, Path>): Promise<Reply>;
}

/**
 * Declares a route with its body and query types inferred from its codecs
 * and its params from its path.
 *
 * @example
 * route({ method: 'GET', path: '/v1/devboxes/:id', handler: async ({ params }) => json(devboxes.view(params.id)) });
 */
export function route<Body, Query, const Path extends string>(r: Route<Body, Query, Path>): Route<Body, Query, Path> {
  return r;
}

/** @example return json({ id }); */
export function json(body: unknown, status = 200): Reply {
  return { kind: 'json', status, body };
}
