/**
 * runloop-local: a Runloop-compatible server that runs real devboxes on this
 * machine. A package of its own, so installing the SDK (`runloop-rx`) never
 * pulls in SQLite, SSH or a native build; `RunloopSDK.local()` loads it with a
 * dynamic import when it is installed.
 *
 * @example
 * import { startLocalServer } from 'runloop-local';
 * const server = await startLocalServer({ port: 0 });
 */
export { startLocalServer } from './server.js';
export { DEFAULT_SERVICES } from './services.js';
export type { LocalServer, LocalServerOptions, RuntimeMode } from './server.js';
export type {
  ImageRegistryConfig,
  LocalService,
  Logger,
  ServerConfig,
  ServerContext,
  ServiceFactory,
  ServiceMap,
  ServiceRegistry,
} from './context.js';
export { HttpError, json, route } from './http/route.js';
export type { ErrorBody, PathParams, Reply, Route, RouteContext, SseEvent } from './http/route.js';
export {
  BusyError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  isDomainError,
  NotFoundError,
  NotYetError,
  OperationFailedError,
  TooLargeError,
  UnauthenticatedError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
  WrongStateError,
} from './errors.js';
export type { DomainErrorKind } from './errors.js';
export { createLogger, silentLogger } from './http/logger.js';
export { Store, newId, ID_PREFIX } from './store/index.js';
export type { Collection, CollectionSpec, ListQuery, Page } from './store/index.js';
export { createObjectsService, openObjectContent } from './objects/index.js';
export type { ObjectsApi, ObjectContent } from './objects/index.js';
