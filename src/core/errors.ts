/**
 * One error hierarchy for the whole SDK (runloop-api.md §3).
 *
 * Every class carries a `Symbol.for` brand, and `instanceof` checks the brand
 * rather than the prototype chain, so an error thrown by one installed copy of
 * runloop-rx is still recognised by another copy (the undici trick).
 */

const BRANDS = Symbol.for('runloop-rx.error.brands');
const BRAND = Symbol.for('runloop-rx.error.brand');

type Branded = { readonly [BRANDS]?: readonly symbol[] };
type BrandedClass = { readonly [BRAND]?: symbol };

function brandsOf(ctor: unknown): symbol[] {
  const brands: symbol[] = [];
  for (
    let c = ctor as BrandedClass | null;
    c && c !== Function.prototype;
    c = Object.getPrototypeOf(c) as BrandedClass | null
  ) {
    if (Object.hasOwn(c, BRAND) && c[BRAND]) brands.push(c[BRAND]);
  }
  return brands;
}

/**
 * The base of every error the SDK throws. `code` is a stable string to switch on.
 *
 * @example
 * catchError((err) => (err instanceof RunloopError ? of(err.code) : throwError(() => err)));
 */
export class RunloopError extends Error {
  static readonly [BRAND]: symbol = Symbol.for('runloop-rx.RunloopError');
  declare readonly [BRANDS]: readonly symbol[];
  readonly code: string = 'RUNLOOP_ERROR';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, BRANDS, { value: brandsOf(new.target), enumerable: false });
  }

  /** Brand check: works across two copies of the package. Unbranded user subclasses fall back to the prototype chain. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!Object.hasOwn(this, BRAND)) return Function.prototype[Symbol.hasInstance].call(this, value);
    const brand = (this as BrandedClass)[BRAND];
    const brands = typeof value === 'object' && value !== null ? (value as Branded)[BRANDS] : undefined;
    return Array.isArray(brands) && brand !== undefined && brands.includes(brand);
  }
}

/**
 * Gives an error class (outside this file) its own `Symbol.for` brand, so
 * `instanceof` recognises its instances across two installed copies too.
 *
 * @example
 * class MyError extends RunloopError { static { brandErrorClass(this, 'MyError'); } }
 */
export function brandErrorClass(ctor: abstract new (...args: never[]) => RunloopError, name: string): void {
  Object.defineProperty(ctor, BRAND, { value: Symbol.for(`runloop-rx.${name}`) });
}

/**
 * The client was configured wrongly, e.g. no API key.
 *
 * @example
 * try { resolveConfig({}, {}); } catch (e) { if (e instanceof RunloopConfigError) console.error(e.message); }
 */
export class RunloopConfigError extends RunloopError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.RunloopConfigError');
  override readonly code: string = 'RUNLOOP_CONFIG';
}

/**
 * Response headers as the SDK keeps them: lower-cased names.
 *
 * @example
 * const retryAfter = (err.headers as ResponseHeaders | undefined)?.['retry-after'];
 */
export type ResponseHeaders = Readonly<Record<string, string>>;

/**
 * An HTTP-level failure: a non-2xx response, or no response at all
 * (then `status` is `undefined`). `error` is the parsed JSON body, or its text.
 *
 * @example
 * if (err instanceof APIError && err.status === 404) console.log(err.error);
 */
export class APIError extends RunloopError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.APIError');
  override readonly code: string = 'RUNLOOP_API_ERROR';

  constructor(
    readonly status: number | undefined,
    readonly headers: ResponseHeaders | undefined,
    readonly error: unknown,
    message: string,
    readonly requestId: string | undefined = undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const BY_STATUS = new Map<number, typeof APIError>();

/**
 * One status-mapped {@link APIError} subclass: its own `name`, stable
 * `code` and `Symbol.for` brand (so `instanceof` works across two installed
 * copies), registered for {@link apiErrorClassFor}. A factory because the
 * classes differ in nothing else.
 */
function statusErrorClass<S extends number>(status: S, name: string, code: string): StatusErrorClass<S> {
  const Class = class extends APIError {
    static override readonly [BRAND]: symbol = Symbol.for(`runloop-rx.${name}`);
    override readonly code: string = code;
  };
  Object.defineProperty(Class, 'name', { value: name });
  BY_STATUS.set(status, Class);
  return Class as unknown as StatusErrorClass<S>;
}

/**
 * An {@link APIError} whose `status` has a literal type, so that after
 * `instanceof NotFoundError` the compiler knows `err.status === 404`.
 *
 * @example
 * const e: StatusError<404> = new NotFoundError(404, undefined, undefined, 'gone'); e.status; // 404
 */
export type StatusError<S extends number> = APIError & { readonly status: S };

/**
 * The class of a {@link StatusError}: constructed like `APIError`, branded for `instanceof`.
 *
 * @example
 * const Class: StatusErrorClass<404> = NotFoundError;
 */
export type StatusErrorClass<S extends number> = Omit<typeof APIError, 'prototype'> & {
  new (...args: ConstructorParameters<typeof APIError>): StatusError<S>;
  readonly prototype: StatusError<S>;
};

/**
 * The APIError subclass for an HTTP status: the mapped class (any status
 * >= 500 maps to {@link InternalServerError}), else `APIError` itself.
 *
 * @example
 * new (apiErrorClassFor(404))(404, undefined, undefined, '404 gone') instanceof NotFoundError; // true
 */
export function apiErrorClassFor(status: number): typeof APIError {
  return BY_STATUS.get(status >= 500 ? 500 : status) ?? APIError;
}

/** 400 @example if (err instanceof BadRequestError) showForm(err.error); */
export const BadRequestError = statusErrorClass(400, 'BadRequestError', 'RUNLOOP_BAD_REQUEST');
export type BadRequestError = StatusError<400>;
/** 401 @example if (err instanceof AuthenticationError) askForNewKey(); */
export const AuthenticationError = statusErrorClass(401, 'AuthenticationError', 'RUNLOOP_AUTHENTICATION');
export type AuthenticationError = StatusError<401>;
/** 403 @example if (err instanceof PermissionDeniedError) console.error('no access'); */
export const PermissionDeniedError = statusErrorClass(403, 'PermissionDeniedError', 'RUNLOOP_PERMISSION_DENIED');
export type PermissionDeniedError = StatusError<403>;
/** 404 @example if (err instanceof NotFoundError) return of(undefined); */
export const NotFoundError = statusErrorClass(404, 'NotFoundError', 'RUNLOOP_NOT_FOUND');
export type NotFoundError = StatusError<404>;
/** 409 @example if (err instanceof ConflictError) console.warn('busy'); */
export const ConflictError = statusErrorClass(409, 'ConflictError', 'RUNLOOP_CONFLICT');
export type ConflictError = StatusError<409>;
/** 422 @example if (err instanceof UnprocessableEntityError) console.error(err.message); */
export const UnprocessableEntityError = statusErrorClass(
  422,
  'UnprocessableEntityError',
  'RUNLOOP_UNPROCESSABLE_ENTITY',
);
export type UnprocessableEntityError = StatusError<422>;
/** 429 @example if (err instanceof RateLimitError) console.warn(err.headers?.['retry-after']); */
export const RateLimitError = statusErrorClass(429, 'RateLimitError', 'RUNLOOP_RATE_LIMIT');
export type RateLimitError = StatusError<429>;
/** Any status >= 500 (so its `status` is a number, not one literal). @example if (err instanceof InternalServerError) report(err.requestId); */
export const InternalServerError = statusErrorClass<number>(500, 'InternalServerError', 'RUNLOOP_INTERNAL_SERVER');
export type InternalServerError = StatusError<number>;

/**
 * No response: refused, reset, DNS, or a body cut short.
 *
 * @example
 * if (err instanceof APIConnectionError) console.warn('network trouble', err.cause);
 */
export class APIConnectionError extends APIError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.APIConnectionError');
  override readonly code: string = 'RUNLOOP_CONNECTION';
  constructor(message = 'Connection error.', options?: { cause?: unknown }) {
    super(undefined, undefined, undefined, message, undefined, options);
  }
}

/**
 * No response headers within the request timeout.
 *
 * @example
 * if (err instanceof APIConnectionTimeoutError) console.warn('slow server');
 */
export class APIConnectionTimeoutError extends APIConnectionError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.APIConnectionTimeoutError');
  override readonly code: string = 'RUNLOOP_CONNECTION_TIMEOUT';
  constructor(message = 'Request timed out.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The caller's AbortSignal fired. Never retried.
 *
 * @example
 * if (err instanceof APIUserAbortError) return EMPTY;
 */
export class APIUserAbortError extends APIError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.APIUserAbortError');
  override readonly code: string = 'RUNLOOP_USER_ABORT';
  constructor(message = 'Request was aborted.', options?: { cause?: unknown }) {
    super(undefined, undefined, undefined, message, undefined, options);
  }
}

/**
 * One failing location in a decoded value: a JSON path such as `$.devboxes[0].status`.
 *
 * @example
 * const failure: DecodeFailure = { path: '$.status', expected: 'string' };
 */
export interface DecodeFailure {
  readonly path: string;
  /** The name of the type the codec expected at that path. */
  readonly expected: string;
}

/**
 * A response did not match its codec (or was not JSON). Names the path(s) and
 * the expected type; never the offending value, which may be a secret.
 *
 * @example
 * if (err instanceof ResponseDecodeError) console.error(err.failures.map((f) => f.path));
 */
export class ResponseDecodeError extends RunloopError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.ResponseDecodeError');
  override readonly code: string = 'RUNLOOP_RESPONSE_DECODE';
  constructor(
    readonly failures: readonly DecodeFailure[],
    readonly codecName: string,
    options?: { cause?: unknown },
  ) {
    super(describeFailures(codecName, failures), options);
  }
}

const MAX_LISTED_FAILURES = 5;
const MAX_TYPE_NAME = 120;

function shorten(name: string): string {
  return name.length > MAX_TYPE_NAME ? `${name.slice(0, MAX_TYPE_NAME - 1)}…` : name;
}

function describeFailures(codecName: string, failures: readonly DecodeFailure[]): string {
  const listed = failures
    .slice(0, MAX_LISTED_FAILURES)
    .map((f) => `at ${f.path} expected ${shorten(f.expected)}`)
    .join('; ');
  const more = failures.length > MAX_LISTED_FAILURES ? ` (and ${failures.length - MAX_LISTED_FAILURES} more)` : '';
  return `Response does not match ${shorten(codecName)}: ${listed}${more}`;
}

/**
 * What a timed-out wait was waiting for, for its message.
 *
 * @example
 * const awaited: AwaitedState = { resource: 'devbox dbx_1', state: 'running' };
 */
export interface AwaitedState {
  /** The resource, e.g. `devbox dbx_1`. */
  readonly resource: string;
  /** The state it was waited for, e.g. `running`. */
  readonly state: string;
}

/**
 * Polling hit its deadline before a terminal value; `lastValue` is the last
 * one seen. When the wait says what it waited for (`awaited`), the message
 * names the resource, the awaited state and the last status seen.
 *
 * @example
 * catchError((e) => (e instanceof PollingTimeoutError ? of(e.lastValue) : throwError(() => e)));
 * // e.message: "devbox dbx_1 did not reach running within 5000 ms (last status: provisioning)"
 */
export class PollingTimeoutError<T = unknown> extends RunloopError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.PollingTimeoutError');
  override readonly code: string = 'RUNLOOP_POLLING_TIMEOUT';
  constructor(
    readonly lastValue: T | undefined,
    readonly timeoutMs: number,
    readonly awaited?: AwaitedState,
  ) {
    super(pollingTimeoutMessage(lastValue, timeoutMs, awaited));
  }
}

function pollingTimeoutMessage(lastValue: unknown, timeoutMs: number, awaited: AwaitedState | undefined): string {
  if (awaited === undefined) return `Polling did not reach a terminal state within ${timeoutMs} ms`;
  const status =
    typeof lastValue === 'object' && lastValue !== null ? (lastValue as { status?: unknown }).status : undefined;
  const last = typeof status === 'string' ? ` (last status: ${status})` : ' (no status seen)';
  return `${awaited.resource} did not reach ${awaited.state} within ${timeoutMs} ms${last}`;
}

/**
 * Polling used all its attempts before a terminal value; `lastValue` is the last one seen.
 *
 * @example
 * catchError((e) => (e instanceof MaxAttemptsExceededError ? of(e.lastValue) : throwError(() => e)));
 */
export class MaxAttemptsExceededError<T = unknown> extends RunloopError {
  static override readonly [BRAND]: symbol = Symbol.for('runloop-rx.MaxAttemptsExceededError');
  override readonly code: string = 'RUNLOOP_MAX_ATTEMPTS';
  constructor(
    readonly lastValue: T | undefined,
    readonly attempts: number,
  ) {
    super(`Polling did not reach a terminal state after ${attempts} attempts`);
  }
}
