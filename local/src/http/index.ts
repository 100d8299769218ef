/** runloop-local's HTTP layer: one port for h2c and HTTP/1.1, routing, auth, validation, idempotency. */
export { HttpError, json, route } from './route.js';
export type { ErrorBody, ParamNames, PathParams, Reply, Route, RouteContext, SseEvent } from './route.js';
export { listenDual } from './listener.js';
export type { AnyRequest, AnyResponse, DualListener, ListenerHandlers } from './listener.js';
export { Router } from './router.js';
export type { Match } from './router.js';
export { createRequestHandler, isAuthorized } from './handler.js';
export { closedEarly, RequestSignals } from './request-signals.js';
export type { ClosingResponse, RequestAbort } from './request-signals.js';
export { Idempotency, IDEMPOTENCY_TTL_MS } from './idempotency.js';
export { decodeOrThrow, decodeQuery, describeErrors } from './validate.js';
export { deliverReply, formatSse, writeJson, writeReply } from './reply.js';
export { statusOf, toErrorReply } from './errors.js';
export type { ErrorReply } from './errors.js';
export { clip, ECHO_LIMIT } from './clip.js';
export { DEFAULT_JSON_LIMIT } from './body.js';
export { createLogger, silentLogger } from './logger.js';
export type { LogLevel } from './logger.js';
