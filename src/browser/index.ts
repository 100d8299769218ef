/**
 * runloop-rx's browser entry (package.json `exports` → `"browser"`): the same
 * cold, lazy Observables as the Node entry, on `fetch` instead of undici, with
 * no Node built-in reachable (test/browser/import-graph.test.ts walks the graph).
 *
 * What is here: {@link RunloopBrowser} (raw API, devbox handles with live
 * `status$`, commands with tagged output lines, files as Blobs, blueprint
 * build logs), the fetch transport and the request pipeline, the errors and
 * every codec. What is not: anything that needs a file system or a Node
 * stream (local files, build contexts from directories, the embedded server).
 *
 * @example
 * import { RunloopBrowser } from 'runloop-rx';   // resolved to this file by a browser bundler
 * const runloop = new RunloopBrowser({ bearerToken: token });
 * runloop.devbox('dbx_1').status$.subscribe((s) => console.log(s));
 */
export { RunloopBrowser, BrowserDevbox, type RunloopBrowserOptions } from './runloop-browser.js';
export { DevboxCmd, type ExecCallbacks, type ExecEvent, type ExecExit, type ExecOptions } from '../sdk/devbox-cmd.js';
export { Execution } from '../sdk/execution.js';
export { ExecutionResult } from '../sdk/execution-result.js';
export { Blueprint } from '../sdk/blueprint.js';
export type { OutputLine, OutputPosition, OutputStream } from '../sdk/output.js';
export { DEFAULT_POLL_INTERVAL_MS, type CallOptions, type WaitOptions } from '../sdk/options.js';
export { BlueprintBuildError, DevboxStateError, InvalidArgumentError } from '../sdk/errors.js';

// Core: the fetch transport, the pipeline, errors, polling.
export { createFetchTransport, type FetchTransportOptions } from '../core/fetch-transport.js';
export {
  createPipelineCaller,
  readResponseValue,
  type PipelineCaller,
  type PipelineOptions,
} from '../core/pipeline.js';
export { resolveBaseConfig, type BaseConfig, type ClientOptions } from '../core/client-options.js';
export {
  chainInterceptors,
  type HttpHandler,
  type HttpInterceptor,
  type HttpRequest,
  type HttpResponse,
} from '../core/http.js';
export * from '../core/errors.js';
export { pollUntil, type PollingConfig } from '../core/polling.js';
export { longPoll, type LongPollOptions } from '../core/long-poll.js';
export { parseSse } from '../core/sse.js';
export type { ApiCaller, ApiRequest, RequestOptions, SseMessage } from '../core/request.js';

// The raw API and every codec with its type.
export { RunloopApi, InvalidParamsError, uuidv7, isUuidv7 } from '../api/index.js';
export * from '../api/views/index.js';
