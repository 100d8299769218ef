/**
 * Raw execution endpoints under `/v1/devboxes/{id}/executions/{eid}`
 * (runloop-api.md §7).
 */
import type { Observable } from 'rxjs';
import type { RequestOptions, SseMessage } from '../../core/request.js';
import {
  ExecutionView,
  SendStdinView,
  type ExecutionKillParams,
  type ExecutionWaitParams,
  type LastNQuery,
  type SendStdinParams,
  type StreamOffsetQuery,
} from '../views/index.js';
import { ApiResource, apiPath, longPollOptions, withOptions } from './resource.js';

/** Parameters of {@link Executions.waitForStatus}: the body plus the `last_n` query. @example const r: ExecutionWaitRequest = { statuses: ['completed'], last_n: 50 }; */
export type ExecutionWaitRequest = ExecutionWaitParams & LastNQuery;

/**
 * The execution endpoints. Cold, like every resource method.
 *
 * @example
 * api.devboxes.executions.retrieve('dbx_1', 'exe_1').subscribe((e) => console.log(e.status));
 */
export class Executions extends ApiResource {
  /** GET …/executions/{eid}[?last_n]. @example api.devboxes.executions.retrieve('dbx_1', 'exe_1', { last_n: 10 }) */
  retrieve(
    devboxId: string,
    executionId: string,
    query: LastNQuery = {},
    options?: RequestOptions,
  ): Observable<ExecutionView> {
    const path = apiPath`/v1/devboxes/${devboxId}/executions/${executionId}`;
    return this.caller.json({ method: 'GET', path, query, ...withOptions(options) }, ExecutionView);
  }

  /**
   * POST …/executions/{eid}/wait_for_status: one long-poll request (no
   * retries, 600 s timeout); a 408 means "not yet", re-issue it.
   *
   * @example
   * api.devboxes.executions.waitForStatus('dbx_1', 'exe_1', { statuses: ['completed'] })
   */
  waitForStatus(
    devboxId: string,
    executionId: string,
    params: ExecutionWaitRequest,
    options?: RequestOptions,
  ): Observable<ExecutionView> {
    const { last_n, ...body } = params;
    const query = last_n === undefined ? {} : { query: { last_n } };
    const path = apiPath`/v1/devboxes/${devboxId}/executions/${executionId}/wait_for_status`;
    return this.caller.json({ method: 'POST', path, body, ...query, options: longPollOptions(options) }, ExecutionView);
  }

  /** POST …/executions/{eid}/kill. @example api.devboxes.executions.kill('dbx_1', 'exe_1', { kill_process_group: true }) */
  kill(
    devboxId: string,
    executionId: string,
    params: ExecutionKillParams = {},
    options?: RequestOptions,
  ): Observable<ExecutionView> {
    const path = apiPath`/v1/devboxes/${devboxId}/executions/${executionId}/kill`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, ExecutionView);
  }

  /** POST …/executions/{eid}/send_std_in. @example api.devboxes.executions.sendStdIn('dbx_1', 'exe_1', { text: 'y\n' }) */
  sendStdIn(
    devboxId: string,
    executionId: string,
    params: SendStdinParams,
    options?: RequestOptions,
  ): Observable<SendStdinView> {
    const path = apiPath`/v1/devboxes/${devboxId}/executions/${executionId}/send_std_in`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, SendStdinView);
  }

  /**
   * GET …/stream_stdout_updates?offset=N: raw SSE messages whose data is an
   * `ExecutionUpdateChunk`. `offset` is always sent (0 by default).
   *
   * @example
   * api.devboxes.executions.streamStdoutUpdates('dbx_1', 'exe_1', { offset: 1024 })
   */
  streamStdoutUpdates(
    devboxId: string,
    executionId: string,
    query: StreamOffsetQuery = {},
    options?: RequestOptions,
  ): Observable<SseMessage> {
    return this.#stream('stream_stdout_updates', devboxId, executionId, query, options);
  }

  /** Like {@link streamStdoutUpdates}, for stderr. @example api.devboxes.executions.streamStderrUpdates('dbx_1', 'exe_1') */
  streamStderrUpdates(
    devboxId: string,
    executionId: string,
    query: StreamOffsetQuery = {},
    options?: RequestOptions,
  ): Observable<SseMessage> {
    return this.#stream('stream_stderr_updates', devboxId, executionId, query, options);
  }

  #stream(
    endpoint: 'stream_stdout_updates' | 'stream_stderr_updates',
    devboxId: string,
    executionId: string,
    query: StreamOffsetQuery,
    options: RequestOptions | undefined,
  ): Observable<SseMessage> {
    const path = `${apiPath`/v1/devboxes/${devboxId}/executions/${executionId}`}/${endpoint}`;
    return this.caller.sse({
      method: 'GET',
      path,
      // The API takes the offset as a string of digits.
      query: { offset: String(query.offset ?? 0) },
      accept: 'text/event-stream',
      ...withOptions(options),
    });
  }
}
