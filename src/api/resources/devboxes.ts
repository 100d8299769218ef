/**
 * Raw devbox endpoints (runloop-api.md §6–§10): one method per endpoint,
 * each a cold Observable of the decoded response. Executions and disk
 * snapshots live on `executions` and `diskSnapshots`.
 */
import { switchMap, type Observable } from 'rxjs';
import type { RequestOptions, SseMessage } from '../../core/request.js';
import { uploadForm, type UploadSource } from '../upload.js';
import { uuidv7 } from '../uuidv7.js';
import {
  DevboxListView,
  DevboxLogsView,
  DevboxUsageView,
  DevboxView,
  ExecDetail,
  ExecutionView,
  PtyTunnelView,
  SnapshotView,
  SshKeyView,
  TunnelView,
  Untyped,
  type DevboxCreateParams,
  type DevboxListQuery,
  type DevboxLogsQuery,
  type DevboxUpdateParams,
  type DevboxWaitForStatusParams,
  type DownloadFileParams,
  type EnableTunnelParams,
  type ExecuteAsyncParams,
  type ExecuteParams,
  type LastNQuery,
  type ReadFileParams,
  type SnapshotCreateParams,
  type WriteFileParams,
} from '../views/index.js';
import { DiskSnapshots } from './disk-snapshots.js';
import { Executions } from './executions.js';
import { ApiResource, apiPath, longPollOptions, withOptions } from './resource.js';

/** Parameters of {@link Devboxes.execute}: the body plus the `last_n` query. @example const r: ExecuteRequest = { command: 'ls', last_n: 20 }; */
export type ExecuteRequest = ExecuteParams & LastNQuery;

/** Parameters of {@link Devboxes.uploadFile}: remote `path` and the bytes to send. @example const r: UploadFileRequest = { path: 'a.bin', file: new Uint8Array([1]) }; */
export interface UploadFileRequest {
  readonly path: string;
  readonly file: UploadSource;
}

/** Query of {@link Devboxes.shutdown}. @example api.devboxes.shutdown('dbx_1', { force: true }) */
export interface ShutdownRequest {
  /** Shut down even while a snapshot is in progress (otherwise 409). */
  readonly force?: boolean;
}

/**
 * The devbox endpoints. Cold: nothing is sent until subscription, every
 * subscription sends again, unsubscribing aborts the request in flight.
 *
 * @example
 * const api = new RunloopApi(caller);
 * api.devboxes.create({ name: 'dev' }).subscribe((d) => console.log(d.id, d.status));
 */
export class Devboxes extends ApiResource {
  /** Execution endpoints under `/v1/devboxes/{id}/executions`. */
  readonly executions = new Executions(this.caller);
  /** Disk snapshot endpoints under `/v1/devboxes/disk_snapshots`. */
  readonly diskSnapshots = new DiskSnapshots(this.caller);

  /** POST /v1/devboxes. @example api.devboxes.create({ blueprint_name: 'py' }) */
  create(params: DevboxCreateParams = {}, options?: RequestOptions): Observable<DevboxView> {
    return this.caller.json(
      { method: 'POST', path: '/v1/devboxes', body: params, ...withOptions(options) },
      DevboxView,
    );
  }

  /** POST /v1/devboxes/create_and_await_running; may answer before `running`. @example api.devboxes.createAndAwaitRunning({}) */
  createAndAwaitRunning(params: DevboxCreateParams = {}, options?: RequestOptions): Observable<DevboxView> {
    const path = '/v1/devboxes/create_and_await_running';
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, DevboxView);
  }

  /** GET /v1/devboxes/{id}. @example api.devboxes.retrieve('dbx_1') */
  retrieve(id: string, options?: RequestOptions): Observable<DevboxView> {
    return this.caller.json({ method: 'GET', path: apiPath`/v1/devboxes/${id}`, ...withOptions(options) }, DevboxView);
  }

  /** POST /v1/devboxes/{id}: omitted fields stay, `""`/`{}` clear. @example api.devboxes.update('dbx_1', { name: 'x' }) */
  update(id: string, params: DevboxUpdateParams, options?: RequestOptions): Observable<DevboxView> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/devboxes/${id}`, body: params, ...withOptions(options) },
      DevboxView,
    );
  }

  /** GET /v1/devboxes: one page. @example api.devboxes.list({ limit: 10, status: 'running' }) */
  list(query: DevboxListQuery = {}, options?: RequestOptions): Observable<DevboxListView> {
    return this.caller.json({ method: 'GET', path: '/v1/devboxes', query, ...withOptions(options) }, DevboxListView);
  }

  /**
   * POST /v1/devboxes/{id}/wait_for_status: one long-poll request (no
   * retries, 600 s timeout); a 408 means "not yet", re-issue it.
   *
   * @example
   * longPoll(api.devboxes.waitForStatus('dbx_1', { statuses: ['running', 'failure', 'shutdown'] }), isSettled)
   */
  waitForStatus(id: string, params: DevboxWaitForStatusParams, options?: RequestOptions): Observable<DevboxView> {
    const path = apiPath`/v1/devboxes/${id}/wait_for_status`;
    return this.caller.json({ method: 'POST', path, body: params, options: longPollOptions(options) }, DevboxView);
  }

  /** POST /v1/devboxes/{id}/shutdown[?force=true]. @example api.devboxes.shutdown('dbx_1', { force: true }) */
  shutdown(id: string, params: ShutdownRequest = {}, options?: RequestOptions): Observable<DevboxView> {
    const query = params.force ? { force: true } : undefined;
    const path = apiPath`/v1/devboxes/${id}/shutdown`;
    return this.caller.json({ method: 'POST', path, ...(query ? { query } : {}), ...withOptions(options) }, DevboxView);
  }

  /** POST /v1/devboxes/{id}/suspend. @example api.devboxes.suspend('dbx_1') */
  suspend(id: string, options?: RequestOptions): Observable<DevboxView> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/devboxes/${id}/suspend`, ...withOptions(options) },
      DevboxView,
    );
  }

  /** POST /v1/devboxes/{id}/resume. @example api.devboxes.resume('dbx_1') */
  resume(id: string, options?: RequestOptions): Observable<DevboxView> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/devboxes/${id}/resume`, ...withOptions(options) },
      DevboxView,
    );
  }

  /** POST /v1/devboxes/{id}/keep_alive: resets the idle timer. @example api.devboxes.keepAlive('dbx_1') */
  keepAlive(id: string, options?: RequestOptions): Observable<unknown> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/devboxes/${id}/keep_alive`, ...withOptions(options) },
      Untyped,
    );
  }

  /** GET /v1/devboxes/{id}/logs. @example api.devboxes.logs('dbx_1', { execution_id: 'exe_1' }) */
  logs(id: string, query: DevboxLogsQuery = {}, options?: RequestOptions): Observable<DevboxLogsView> {
    const path = apiPath`/v1/devboxes/${id}/logs`;
    return this.caller.json({ method: 'GET', path, query, ...withOptions(options) }, DevboxLogsView);
  }

  /** GET /v1/devboxes/{id}/usage. @example api.devboxes.usage('dbx_1') */
  usage(id: string, options?: RequestOptions): Observable<DevboxUsageView> {
    return this.caller.json(
      { method: 'GET', path: apiPath`/v1/devboxes/${id}/usage`, ...withOptions(options) },
      DevboxUsageView,
    );
  }

  /** GET /v1/devboxes/evictions/watch (SSE of `{devbox_id, eviction_deadline_ms}`). @example api.devboxes.watchEvictions() */
  watchEvictions(options?: RequestOptions): Observable<SseMessage> {
    const path = '/v1/devboxes/evictions/watch';
    return this.caller.sse({ method: 'GET', path, accept: 'text/event-stream', ...withOptions(options) });
  }

  /** POST /v1/devboxes/{id}/create_ssh_key. @example api.devboxes.createSshKey('dbx_1') */
  createSshKey(id: string, options?: RequestOptions): Observable<SshKeyView> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/devboxes/${id}/create_ssh_key`, ...withOptions(options) },
      SshKeyView,
    );
  }

  /** POST /v1/devboxes/{id}/enable_tunnel. @example api.devboxes.enableTunnel('dbx_1', { auth_mode: 'authenticated' }) */
  enableTunnel(id: string, params: EnableTunnelParams = {}, options?: RequestOptions): Observable<TunnelView> {
    const path = apiPath`/v1/devboxes/${id}/enable_tunnel`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, TunnelView);
  }

  /** POST /v1/devboxes/{id}/remove_tunnel. @example api.devboxes.removeTunnel('dbx_1') */
  removeTunnel(id: string, options?: RequestOptions): Observable<unknown> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/devboxes/${id}/remove_tunnel`, ...withOptions(options) },
      Untyped,
    );
  }

  /** POST /v1/devboxes/{id}/create_pty_tunnel. @example api.devboxes.createPtyTunnel('dbx_1') */
  createPtyTunnel(id: string, options?: RequestOptions): Observable<PtyTunnelView> {
    const path = apiPath`/v1/devboxes/${id}/create_pty_tunnel`;
    return this.caller.json({ method: 'POST', path, ...withOptions(options) }, PtyTunnelView);
  }

  /** POST /v1/devboxes/{id}/snapshot_disk: answers when the snapshot is done. @example api.devboxes.snapshotDisk('dbx_1', { name: 'v1' }) */
  snapshotDisk(id: string, params: SnapshotCreateParams = {}, options?: RequestOptions): Observable<SnapshotView> {
    const path = apiPath`/v1/devboxes/${id}/snapshot_disk`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, SnapshotView);
  }

  /** POST /v1/devboxes/{id}/snapshot_disk_async: answers at once. @example api.devboxes.snapshotDiskAsync('dbx_1') */
  snapshotDiskAsync(id: string, params: SnapshotCreateParams = {}, options?: RequestOptions): Observable<SnapshotView> {
    const path = apiPath`/v1/devboxes/${id}/snapshot_disk_async`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, SnapshotView);
  }

  /** POST /v1/devboxes/{id}/read_file_contents → the file as text. @example api.devboxes.readFileContents('dbx_1', { file_path: 'a.txt' }) */
  readFileContents(id: string, params: ReadFileParams, options?: RequestOptions): Observable<string> {
    const path = apiPath`/v1/devboxes/${id}/read_file_contents`;
    return this.caller.text({ method: 'POST', path, body: params, accept: 'text/plain', ...withOptions(options) });
  }

  /** POST /v1/devboxes/{id}/write_file_contents. @example api.devboxes.writeFileContents('dbx_1', { file_path: 'a.txt', contents: 'hi' }) */
  writeFileContents(id: string, params: WriteFileParams, options?: RequestOptions): Observable<ExecDetail> {
    const path = apiPath`/v1/devboxes/${id}/write_file_contents`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, ExecDetail);
  }

  /**
   * POST /v1/devboxes/{id}/upload_file (multipart `path` + `file`). A file
   * source is opened on subscription and streamed.
   *
   * @example
   * api.devboxes.uploadFile('dbx_1', { path: 'data.bin', file: { filePath: './data.bin' } })
   */
  uploadFile(id: string, params: UploadFileRequest, options?: RequestOptions): Observable<unknown> {
    const path = apiPath`/v1/devboxes/${id}/upload_file`;
    return uploadForm(params.path, params.file).pipe(
      switchMap((multipart) => this.caller.json({ method: 'POST', path, multipart, ...withOptions(options) }, Untyped)),
    );
  }

  /** POST /v1/devboxes/{id}/download_file → the bytes, chunk by chunk. @example api.devboxes.downloadFile('dbx_1', { path: 'out.tar' }) */
  downloadFile(id: string, params: DownloadFileParams, options?: RequestOptions): Observable<Uint8Array> {
    const path = apiPath`/v1/devboxes/${id}/download_file`;
    return this.caller.bytes({
      method: 'POST',
      path,
      body: params,
      accept: 'application/octet-stream',
      ...withOptions(options),
    });
  }

  /**
   * POST /v1/devboxes/{id}/execute. Always sends a `command_id`: the given
   * one, or a UUIDv7 generated once per call, so every retry and every
   * re-subscription of this Observable names the same execution.
   *
   * @example
   * api.devboxes.execute('dbx_1', { command: 'echo hi', optimistic_timeout: 10, last_n: 50 })
   */
  execute(id: string, params: ExecuteRequest, options?: RequestOptions): Observable<ExecutionView> {
    const { last_n, ...rest } = params;
    const body: ExecuteParams = { ...rest, command_id: rest.command_id ?? uuidv7() };
    const query = last_n === undefined ? {} : { query: { last_n } };
    const path = apiPath`/v1/devboxes/${id}/execute`;
    return this.caller.json({ method: 'POST', path, body, ...query, ...withOptions(options) }, ExecutionView);
  }

  /** POST /v1/devboxes/{id}/execute_async. @example api.devboxes.executeAsync('dbx_1', { command: 'make' }) */
  executeAsync(id: string, params: ExecuteAsyncParams, options?: RequestOptions): Observable<ExecutionView> {
    const path = apiPath`/v1/devboxes/${id}/execute_async`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, ExecutionView);
  }

  /** POST /v1/devboxes/{id}/execute_sync (deprecated: blocks until done). @example api.devboxes.executeSync('dbx_1', { command: 'ls' }) */
  executeSync(id: string, params: ExecuteAsyncParams, options?: RequestOptions): Observable<ExecDetail> {
    const path = apiPath`/v1/devboxes/${id}/execute_sync`;
    return this.caller.json({ method: 'POST', path, body: params, ...withOptions(options) }, ExecDetail);
  }
}
