/**
 * runloop-rx: an RxJS-native SDK for Runloop devboxes.
 *
 * Every method returns a cold, lazy Observable. Start with {@link RunloopSDK}.
 *
 * @example
 * import { RunloopSDK } from 'runloop-rx';
 * const runloop = new RunloopSDK();
 * runloop.devbox.use({ name: 'hi' }, (d) => d.cmd.exec('echo hi')).subscribe((r) => console.log(r.exitCode));
 */
export { RunloopSDK, type RunloopSDKOptions } from './sdk/runloop-sdk.js';
export type { LocalRunloopSDK, LocalSdkOptions } from './sdk/local.js';
export type { LocalRuntimeMode } from './sdk/local-loader.js';
export { Devbox, type DevboxLogsParams, type DevboxShell } from './sdk/devbox.js';
export { OwnedDevbox } from './sdk/owned-devbox.js';
export { DevboxCmd, type ExecCallbacks, type ExecEvent, type ExecExit, type ExecOptions } from './sdk/devbox-cmd.js';
export { DevboxFile, type FileUploadSource } from './sdk/devbox-file.js';
export { DevboxNet } from './sdk/devbox-net.js';
export { Execution } from './sdk/execution.js';
export { ExecutionResult } from './sdk/execution-result.js';
export { Blueprint } from './sdk/blueprint.js';
export { Snapshot } from './sdk/snapshot.js';
export { StorageObject, type UploadContentOptions } from './sdk/storage-object.js';
export { DevboxOps, type DevboxListParams } from './sdk/ops/devbox-ops.js';
export { BlueprintOps, BUILD_CONTEXT_TTL_MS, type BlueprintListParams } from './sdk/ops/blueprint-ops.js';
export { SnapshotOps, type SnapshotListParams } from './sdk/ops/snapshot-ops.js';
export {
  StorageObjectOps,
  type ObjectListParams,
  type UploadDirOptions,
  type UploadFileOptions,
  type UploadObjectOptions,
} from './sdk/ops/storage-object-ops.js';
export {
  DEFAULT_POLL_INTERVAL_MS,
  type CallOptions,
  type ListOptions,
  type TeardownErrorHandler,
  type TeardownFailure,
  type WaitOptions,
} from './sdk/options.js';
export {
  BlueprintBuildError,
  DevboxStateError,
  InvalidArgumentError,
  LocalServerUnavailableError,
  ObjectTransferError,
  SnapshotError,
} from './sdk/errors.js';
export type { OutputLine, OutputPosition, OutputStream } from './sdk/output.js';
// Create params in camelCase; each module maps them to the wire's snake_case.
export type { DevboxFromSourceParams, SdkDevboxCreateParams, SdkTunnelParams } from './sdk/params/devbox.js';
export type { SdkAfterIdle, SdkLaunchParameters, SdkLifecycle } from './sdk/params/launch.js';
export type { ObjectRef, SdkCodeMountParameters, SdkMount, SdkMountSpec } from './sdk/params/mounts.js';
export type { SdkBlueprintCreateParams, SdkBlueprintService } from './sdk/params/blueprint.js';
export type { SdkSnapshotParams } from './sdk/params/snapshot.js';
export type { SdkObjectCreateParams } from './sdk/params/storage-object.js';
export { buildContext$, buildContextStream, type BuildContextOptions } from './sdk/build-context.js';

// Core: errors, config, polling.
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  MaxAttemptsExceededError,
  NotFoundError,
  PermissionDeniedError,
  PollingTimeoutError,
  RateLimitError,
  ResponseDecodeError,
  RunloopConfigError,
  RunloopError,
  UnprocessableEntityError,
  type AwaitedState,
  type DecodeFailure,
  type StatusError,
  type StatusErrorClass,
} from './core/errors.js';
export type { ClientOptions } from './core/config.js';
export type { HttpHandler, HttpInterceptor, HttpRequest, HttpResponse, StreamingBody } from './core/http.js';
export { DownloadResumeError } from './core/resume.js';
// Polling building blocks, public so you can wait for your own things the same way.
export { pollUntil, type PollingConfig } from './core/polling.js';
export { longPoll, type LongPollOptions } from './core/long-poll.js';
export type { ApiCaller, ApiRequest, RequestOptions, SseMessage } from './core/request.js';

// The raw API (snake_case like the wire) and every codec with its type; not its plumbing.
export { RunloopApi, InvalidParamsError, uuidv7, isUuidv7, type UploadSource } from './api/index.js';
export type {
  Blueprints,
  Devboxes,
  DiskSnapshots,
  ExecuteRequest,
  ExecutionWaitRequest,
  Executions,
  Objects,
  ShutdownRequest,
  SnapshotListRequest,
  UploadFileRequest,
} from './api/resources/index.js';
export * from './api/views/index.js';
