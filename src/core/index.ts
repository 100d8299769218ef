/**
 * The SDK core: errors, decoding, the core client (ApiCaller), and the stream
 * helpers for polling, long-polls, SSE and pagination.
 */
export * from './errors.js';
export { apiErrorFromResponse } from './api-error.js';
export { decode, parseJson, reportPaths } from './decode.js';
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  SDK_VERSION,
  parseCustomHeaders,
  resolveConfig,
  type ClientOptions,
  type ConfigEnv,
  type ResolvedConfig,
} from './config.js';
export { defaultEnv, resolveBaseConfig, type BaseConfig } from './client-options.js';
export type { ApiCaller, ApiRequest, QueryValue, RequestOptions, SseMessage } from './request.js';
export {
  chainInterceptors,
  isStreamingBody,
  type HttpHandler,
  type HttpInterceptor,
  type HttpRequest,
  type HttpResponse,
  type StreamingBody,
} from './http.js';
export { DownloadResumeError, checkResumed, identityOf, resumeHeaders, type ContentIdentity } from './resume.js';
export {
  createTransferHandler,
  type TransferHandler,
  type TransferHandlerOptions,
  type TransferRequest,
} from './transfer.js';
export { createUndiciTransport, type UndiciTransportOptions } from './transport.js';
export { createFetchTransport, type FetchTransportOptions } from './fetch-transport.js';
export { raiseForStatus, readAll, readText, withStatusErrors } from './body.js';
export {
  IDEMPOTENCY_HEADER,
  USER_AGENT,
  baseHeaders,
  buildHttpRequest,
  mergeHeaders,
  withIdempotencyKey,
} from './headers.js';
export { encodeQuery } from './query.js';
export { RETRY_COUNT_HEADER, isRetryable, retryDelayMs, retryPolicy, withRetry, type RetryOptions } from './retry.js';
export { abortOn } from './abort.js';
export { withDebugLog } from './debug-log.js';
export { createApiCaller, type ApiCallerOptions, type CoreClient } from './caller.js';
export { createPipelineCaller, readResponseValue, type PipelineCaller, type PipelineOptions } from './pipeline.js';
export { SseDecoder, parseSse } from './sse.js';
export { failAfter } from './deadline.js';
export { pollUntil, type PollingConfig } from './polling.js';
export { longPoll, type LongPollOptions } from './long-poll.js';
export {
  resumableSse,
  sseErrorToApiError,
  type Positioned,
  type PositionedChunk,
  type ResumableSseOptions,
} from './resumable-sse.js';
export {
  nextCursor,
  paginate,
  paginateItems,
  paginatePages,
  withCursor,
  type Page,
  type PageItem,
} from './paginate.js';
