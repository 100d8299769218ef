import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RunloopApi } from '../../src/api/index.js';
import type { ApiRequest } from '../../src/core/request.js';
import {
  blueprintView,
  devboxView,
  execDetail,
  executionView,
  objectView,
  snapshotView,
  tunnelView,
} from './support/fixtures.js';
import { FakeDecodeError, RecordingCaller, type CallKind } from './support/recording-caller.js';

const LONG_POLL = { maxRetries: 0, timeoutMs: 600_000 };
const opts = { timeoutMs: 1234 };

interface Case {
  readonly name: string;
  readonly call: (api: RunloopApi) => Observable<unknown>;
  readonly kind: CallKind;
  readonly request: ApiRequest;
  /** The codec a json endpoint decodes with; `unknown` = untyped response. */
  readonly codec?: string;
  readonly reply: unknown;
}

const cases: Case[] = [
  // devboxes
  {
    name: 'devboxes.create',
    call: (a) => a.devboxes.create({ name: 'dev' }, opts),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes', body: { name: 'dev' }, options: opts },
  },
  {
    name: 'devboxes.create (empty body)',
    call: (a) => a.devboxes.create(),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes', body: {} },
  },
  {
    name: 'devboxes.createAndAwaitRunning',
    call: (a) => a.devboxes.createAndAwaitRunning({ blueprint_name: 'py' }),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes/create_and_await_running', body: { blueprint_name: 'py' } },
  },
  {
    name: 'devboxes.retrieve',
    call: (a) => a.devboxes.retrieve('dbx_1', opts),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'GET', path: '/v1/devboxes/dbx_1', options: opts },
  },
  {
    name: 'devboxes.update',
    call: (a) => a.devboxes.update('dbx_1', { name: '', metadata: {} }),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1', body: { name: '', metadata: {} } },
  },
  {
    name: 'devboxes.list',
    call: (a) => a.devboxes.list({ limit: 5, starting_after: 'dbx_0', status: 'running', include_total_count: false }),
    kind: 'json',
    codec: 'DevboxListView',
    reply: { devboxes: [devboxView], has_more: true },
    request: {
      method: 'GET',
      path: '/v1/devboxes',
      query: { limit: 5, starting_after: 'dbx_0', status: 'running', include_total_count: false },
    },
  },
  {
    name: 'devboxes.waitForStatus',
    call: (a) => a.devboxes.waitForStatus('dbx_1', { statuses: ['running', 'failure', 'shutdown'] }),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/wait_for_status',
      body: { statuses: ['running', 'failure', 'shutdown'] },
      options: LONG_POLL,
    },
  },
  {
    name: 'devboxes.shutdown',
    call: (a) => a.devboxes.shutdown('dbx_1'),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/shutdown' },
  },
  {
    name: 'devboxes.shutdown (force)',
    call: (a) => a.devboxes.shutdown('dbx_1', { force: true }),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/shutdown', query: { force: true } },
  },
  {
    name: 'devboxes.suspend',
    call: (a) => a.devboxes.suspend('dbx_1'),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/suspend' },
  },
  {
    name: 'devboxes.resume',
    call: (a) => a.devboxes.resume('dbx_1'),
    kind: 'json',
    codec: 'DevboxView',
    reply: devboxView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/resume' },
  },
  {
    name: 'devboxes.keepAlive',
    call: (a) => a.devboxes.keepAlive('dbx_1'),
    kind: 'json',
    codec: 'unknown',
    reply: {},
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/keep_alive' },
  },
  {
    name: 'devboxes.logs',
    call: (a) => a.devboxes.logs('dbx_1', { execution_id: 'exe_1' }),
    kind: 'json',
    codec: 'DevboxLogsView',
    reply: { logs: [{ level: 'info', source: 'exec', timestamp_ms: 1, message: 'hi' }] },
    request: { method: 'GET', path: '/v1/devboxes/dbx_1/logs', query: { execution_id: 'exe_1' } },
  },
  {
    name: 'devboxes.usage',
    call: (a) => a.devboxes.usage('dbx_1'),
    kind: 'json',
    codec: 'DevboxUsageView',
    reply: {
      id: 'dbx_1',
      status: 'running',
      start_time_ms: 1,
      total_active_seconds: 2,
      total_elapsed_seconds: 3,
      vcpu_seconds: 4,
      memory_gb_seconds: 5,
      disk_gb_seconds: 6,
    },
    request: { method: 'GET', path: '/v1/devboxes/dbx_1/usage' },
  },
  {
    name: 'devboxes.watchEvictions',
    call: (a) => a.devboxes.watchEvictions(),
    kind: 'sse',
    reply: [{ event: undefined, data: '{"devbox_id":"dbx_1","eviction_deadline_ms":5}' }],
    request: { method: 'GET', path: '/v1/devboxes/evictions/watch', accept: 'text/event-stream' },
  },
  {
    name: 'devboxes.createSshKey',
    call: (a) => a.devboxes.createSshKey('dbx_1'),
    kind: 'json',
    codec: 'SshKeyView',
    reply: { id: 'dbx_1', ssh_private_key: 'PEM', ssh_user: 'user', url: 'host' },
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/create_ssh_key' },
  },
  {
    name: 'devboxes.enableTunnel',
    call: (a) => a.devboxes.enableTunnel('dbx_1', { auth_mode: 'authenticated' }),
    kind: 'json',
    codec: 'TunnelView',
    reply: tunnelView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/enable_tunnel', body: { auth_mode: 'authenticated' } },
  },
  {
    name: 'devboxes.removeTunnel',
    call: (a) => a.devboxes.removeTunnel('dbx_1'),
    kind: 'json',
    codec: 'unknown',
    reply: {},
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/remove_tunnel' },
  },
  {
    name: 'devboxes.createPtyTunnel',
    call: (a) => a.devboxes.createPtyTunnel('dbx_1'),
    kind: 'json',
    codec: 'PtyTunnelView',
    reply: { auth_token: 'a', tunnel_key: 'k' },
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/create_pty_tunnel' },
  },
  {
    name: 'devboxes.snapshotDisk',
    call: (a) => a.devboxes.snapshotDisk('dbx_1', { name: 'v1', commit_message: 'm' }),
    kind: 'json',
    codec: 'SnapshotView',
    reply: snapshotView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/snapshot_disk', body: { name: 'v1', commit_message: 'm' } },
  },
  {
    name: 'devboxes.snapshotDiskAsync',
    call: (a) => a.devboxes.snapshotDiskAsync('dbx_1'),
    kind: 'json',
    codec: 'SnapshotView',
    reply: snapshotView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/snapshot_disk_async', body: {} },
  },
  {
    name: 'devboxes.readFileContents',
    call: (a) => a.devboxes.readFileContents('dbx_1', { file_path: 'a.txt' }),
    kind: 'text',
    reply: 'hello\n',
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/read_file_contents',
      body: { file_path: 'a.txt' },
      accept: 'text/plain',
    },
  },
  {
    name: 'devboxes.writeFileContents',
    call: (a) => a.devboxes.writeFileContents('dbx_1', { file_path: 'a.txt', contents: 'hi' }),
    kind: 'json',
    codec: 'ExecDetail',
    reply: execDetail,
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/write_file_contents',
      body: { file_path: 'a.txt', contents: 'hi' },
    },
  },
  {
    name: 'devboxes.downloadFile',
    call: (a) => a.devboxes.downloadFile('dbx_1', { path: 'out.bin' }),
    kind: 'bytes',
    reply: [new Uint8Array([1, 2]), new Uint8Array([3])],
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/download_file',
      body: { path: 'out.bin' },
      accept: 'application/octet-stream',
    },
  },
  {
    name: 'devboxes.execute (given command_id)',
    call: (a) =>
      a.devboxes.execute('dbx_1', {
        command: 'ls',
        command_id: 'cid',
        optimistic_timeout: 10,
        shell_name: 's',
        last_n: 5,
      }),
    kind: 'json',
    codec: 'ExecutionView',
    reply: executionView,
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/execute',
      body: { command: 'ls', command_id: 'cid', optimistic_timeout: 10, shell_name: 's' },
      query: { last_n: 5 },
    },
  },
  {
    name: 'devboxes.executeAsync',
    call: (a) => a.devboxes.executeAsync('dbx_1', { command: 'make', attach_stdin: true }),
    kind: 'json',
    codec: 'ExecutionView',
    reply: executionView,
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/execute_async',
      body: { command: 'make', attach_stdin: true },
    },
  },
  {
    name: 'devboxes.executeSync',
    call: (a) => a.devboxes.executeSync('dbx_1', { command: 'ls' }),
    kind: 'json',
    codec: 'ExecDetail',
    reply: execDetail,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/execute_sync', body: { command: 'ls' } },
  },
  // executions
  {
    name: 'executions.retrieve',
    call: (a) => a.devboxes.executions.retrieve('dbx_1', 'exe_1', { last_n: 10 }),
    kind: 'json',
    codec: 'ExecutionView',
    reply: executionView,
    request: { method: 'GET', path: '/v1/devboxes/dbx_1/executions/exe_1', query: { last_n: 10 } },
  },
  {
    name: 'executions.waitForStatus',
    call: (a) =>
      a.executions.waitForStatus('dbx_1', 'exe_1', { statuses: ['completed'], timeout_seconds: 20, last_n: 3 }),
    kind: 'json',
    codec: 'ExecutionView',
    reply: executionView,
    request: {
      method: 'POST',
      path: '/v1/devboxes/dbx_1/executions/exe_1/wait_for_status',
      body: { statuses: ['completed'], timeout_seconds: 20 },
      query: { last_n: 3 },
      options: LONG_POLL,
    },
  },
  {
    name: 'executions.kill',
    call: (a) => a.executions.kill('dbx_1', 'exe_1'),
    kind: 'json',
    codec: 'ExecutionView',
    reply: executionView,
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/executions/exe_1/kill', body: {} },
  },
  {
    name: 'executions.sendStdIn',
    call: (a) => a.executions.sendStdIn('dbx_1', 'exe_1', { signal: 'EOF' }),
    kind: 'json',
    codec: 'SendStdinView',
    reply: { devbox_id: 'dbx_1', execution_id: 'exe_1', success: true },
    request: { method: 'POST', path: '/v1/devboxes/dbx_1/executions/exe_1/send_std_in', body: { signal: 'EOF' } },
  },
  {
    name: 'executions.streamStdoutUpdates (default offset)',
    call: (a) => a.executions.streamStdoutUpdates('dbx_1', 'exe_1'),
    kind: 'sse',
    reply: [{ event: undefined, data: '{"output":"a\\n","offset":2}' }],
    request: {
      method: 'GET',
      path: '/v1/devboxes/dbx_1/executions/exe_1/stream_stdout_updates',
      query: { offset: '0' },
      accept: 'text/event-stream',
    },
  },
  {
    name: 'executions.streamStderrUpdates',
    call: (a) => a.executions.streamStderrUpdates('dbx_1', 'exe_1', { offset: 42 }, opts),
    kind: 'sse',
    reply: [{ event: 'error', data: '{"code":"408"}' }],
    request: {
      method: 'GET',
      path: '/v1/devboxes/dbx_1/executions/exe_1/stream_stderr_updates',
      query: { offset: '42' },
      accept: 'text/event-stream',
      options: opts,
    },
  },
  // disk snapshots
  {
    name: 'diskSnapshots.list',
    call: (a) => a.diskSnapshots.list({ devbox_id: 'dbx_1', limit: 2, metadata: { env: 'prod', team: ['a', 'b'] } }),
    kind: 'json',
    codec: 'SnapshotListView',
    reply: { snapshots: [snapshotView], has_more: false, total_count: 1 },
    request: {
      method: 'GET',
      path: '/v1/devboxes/disk_snapshots',
      query: { devbox_id: 'dbx_1', limit: 2, 'metadata[env]': 'prod', 'metadata[team][in]': 'a,b' },
    },
  },
  {
    name: 'diskSnapshots.queryStatus',
    call: (a) => a.devboxes.diskSnapshots.queryStatus('snp_1'),
    kind: 'json',
    codec: 'SnapshotStatusView',
    reply: { status: 'complete', snapshot: snapshotView },
    request: { method: 'GET', path: '/v1/devboxes/disk_snapshots/snp_1/status' },
  },
  {
    name: 'diskSnapshots.update',
    call: (a) => a.diskSnapshots.update('snp_1', { metadata: { a: 'b' } }),
    kind: 'json',
    codec: 'SnapshotView',
    reply: snapshotView,
    request: { method: 'POST', path: '/v1/devboxes/disk_snapshots/snp_1', body: { metadata: { a: 'b' } } },
  },
  {
    name: 'diskSnapshots.delete',
    call: (a) => a.diskSnapshots.delete('snp_1'),
    kind: 'json',
    codec: 'unknown',
    reply: {},
    request: { method: 'POST', path: '/v1/devboxes/disk_snapshots/snp_1/delete' },
  },
  // blueprints
  {
    name: 'blueprints.create',
    call: (a) => a.blueprints.create({ name: 'py', build_context: { type: 'object', object_id: 'obj_1' } }),
    kind: 'json',
    codec: 'BlueprintView',
    reply: blueprintView,
    request: {
      method: 'POST',
      path: '/v1/blueprints',
      body: { name: 'py', build_context: { type: 'object', object_id: 'obj_1' } },
    },
  },
  {
    name: 'blueprints.retrieve',
    call: (a) => a.blueprints.retrieve('bpt_1'),
    kind: 'json',
    codec: 'BlueprintView',
    reply: blueprintView,
    request: { method: 'GET', path: '/v1/blueprints/bpt_1' },
  },
  {
    name: 'blueprints.list',
    call: (a) => a.blueprints.list({ name: 'py', status: 'build_complete' }),
    kind: 'json',
    codec: 'BlueprintListView',
    reply: { blueprints: [blueprintView], has_more: false },
    request: { method: 'GET', path: '/v1/blueprints', query: { name: 'py', status: 'build_complete' } },
  },
  {
    name: 'blueprints.listPublic',
    call: (a) => a.blueprints.listPublic(),
    kind: 'json',
    codec: 'BlueprintListView',
    reply: { blueprints: [], has_more: false },
    request: { method: 'GET', path: '/v1/blueprints/list_public', query: {} },
  },
  {
    name: 'blueprints.logs',
    call: (a) => a.blueprints.logs('bpt_1'),
    kind: 'json',
    codec: 'BlueprintBuildLogsView',
    reply: { blueprint_id: 'bpt_1', logs: [{ level: 'info', message: 'Step 1', timestamp_ms: 1 }] },
    request: { method: 'GET', path: '/v1/blueprints/bpt_1/logs' },
  },
  {
    name: 'blueprints.delete',
    call: (a) => a.blueprints.delete('bpt_1'),
    kind: 'json',
    codec: 'unknown',
    reply: {},
    request: { method: 'POST', path: '/v1/blueprints/bpt_1/delete' },
  },
  {
    name: 'blueprints.preview',
    call: (a) => a.blueprints.preview({ name: 'py', dockerfile: 'FROM x' }),
    kind: 'json',
    codec: 'BlueprintPreviewView',
    reply: { dockerfile: 'FROM x' },
    request: { method: 'POST', path: '/v1/blueprints/preview', body: { name: 'py', dockerfile: 'FROM x' } },
  },
  // objects
  {
    name: 'objects.create',
    call: (a) => a.objects.create({ name: 'a.txt', content_type: 'text', ttl_ms: 1000 }),
    kind: 'json',
    codec: 'ObjectView',
    reply: { ...objectView, upload_url: 'http://127.0.0.1:1/put' },
    request: { method: 'POST', path: '/v1/objects', body: { name: 'a.txt', content_type: 'text', ttl_ms: 1000 } },
  },
  {
    name: 'objects.retrieve',
    call: (a) => a.objects.retrieve('obj_1'),
    kind: 'json',
    codec: 'ObjectView',
    reply: objectView,
    request: { method: 'GET', path: '/v1/objects/obj_1' },
  },
  {
    name: 'objects.list',
    call: (a) => a.objects.list({ state: 'READ_ONLY', search: 'a' }),
    kind: 'json',
    codec: 'ObjectListView',
    reply: { objects: [objectView], has_more: false },
    request: { method: 'GET', path: '/v1/objects', query: { state: 'READ_ONLY', search: 'a' } },
  },
  {
    name: 'objects.listPublic',
    call: (a) => a.objects.listPublic({ content_type: 'tgz' }),
    kind: 'json',
    codec: 'ObjectListView',
    reply: { objects: [], has_more: false },
    request: { method: 'GET', path: '/v1/objects/list_public', query: { content_type: 'tgz' } },
  },
  {
    name: 'objects.complete',
    call: (a) => a.objects.complete('obj_1'),
    kind: 'json',
    codec: 'ObjectView',
    reply: { ...objectView, state: 'READ_ONLY' },
    request: { method: 'POST', path: '/v1/objects/obj_1/complete', body: {} },
  },
  {
    name: 'objects.download',
    call: (a) => a.objects.download('obj_1', { duration_seconds: 60 }),
    kind: 'json',
    codec: 'ObjectDownloadUrlView',
    reply: { download_url: 'http://127.0.0.1:1/get' },
    request: { method: 'GET', path: '/v1/objects/obj_1/download', query: { duration_seconds: 60 } },
  },
  {
    name: 'objects.delete',
    call: (a) => a.objects.delete('obj_1'),
    kind: 'json',
    codec: 'ObjectView',
    reply: { ...objectView, state: 'DELETED' },
    request: { method: 'POST', path: '/v1/objects/obj_1/delete', body: {} },
  },
];

function setup(...replies: unknown[]): { api: RunloopApi; caller: RecordingCaller } {
  const caller = new RecordingCaller().reply(...replies);
  return { api: new RunloopApi(caller), caller };
}

function expected(c: Case): unknown[] {
  return c.kind === 'bytes' || c.kind === 'sse' ? (c.reply as unknown[]) : [c.reply];
}

describe('every endpoint', () => {
  it.each(cases)('$name sends the documented request', async (c) => {
    const { api, caller } = setup(c.reply);
    await lastValueFrom(c.call(api).pipe(toArray()));
    expect(caller.calls).toHaveLength(1);
    expect(caller.last.kind).toBe(c.kind);
    expect(caller.last.request).toStrictEqual(c.request);
    if (c.codec !== undefined) expect(caller.last.codec).toBe(c.codec);
  });

  it.each(cases)('$name emits the decoded response', async (c) => {
    const { api } = setup(c.reply);
    expect(await lastValueFrom(c.call(api).pipe(toArray()))).toEqual(expected(c));
  });

  it.each(cases)('$name is cold: sends on each subscription, never before', async (c) => {
    const { api, caller } = setup(c.reply, c.reply);
    const request$ = c.call(api);
    expect(caller.calls).toHaveLength(0);
    await lastValueFrom(request$.pipe(toArray()));
    await lastValueFrom(request$.pipe(toArray()));
    expect(caller.calls).toHaveLength(2);
  });

  const typed = cases.filter((c) => c.kind === 'json' && c.codec !== 'unknown');
  it.each(typed)('$name fails when the response does not match its view', async (c) => {
    const { api } = setup({ unexpected: true });
    await expect(lastValueFrom(c.call(api))).rejects.toBeInstanceOf(FakeDecodeError);
  });
});

describe('path parameters', () => {
  it('are percent-encoded so an id cannot change the endpoint', async () => {
    const { api, caller } = setup(devboxView, executionView);
    await firstValueFrom(api.devboxes.retrieve('../x?y=1#z'));
    expect(caller.last.request.path).toBe('/v1/devboxes/..%2Fx%3Fy%3D1%23z');
    await firstValueFrom(api.executions.retrieve('a/b', 'c d'));
    expect(caller.last.request.path).toBe('/v1/devboxes/a%2Fb/executions/c%20d');
  });
});

describe('long-poll options', () => {
  it('keep a caller signal; a caller timeout counts after the longest hold, so it never cuts one', async () => {
    const { api, caller } = setup(devboxView);
    const signal = new AbortController().signal;
    await firstValueFrom(
      api.devboxes.waitForStatus('dbx_1', { statuses: ['running'] }, { signal, timeoutMs: 5000, maxRetries: 2 }),
    );
    expect(caller.last.request.options).toEqual({ maxRetries: 2, timeoutMs: 30_000, signal });
  });
});
