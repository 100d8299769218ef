import { describe, expect, it } from 'vitest';
import {
  BlueprintCreateParams,
  BlueprintView,
  DevboxCreateParams,
  DevboxListQuery,
  DevboxListView,
  DevboxStatus,
  DevboxView,
  DevboxWaitForStatusParams,
  DownloadFileParams,
  EnableTunnelParams,
  ExecuteParams,
  ExecutionUpdateChunk,
  ExecutionView,
  ExecutionWaitParams,
  isTerminalDevboxStatus,
  LastNQuery,
  launchParametersProblems,
  LaunchParametersParams,
  metadataFilters,
  metadataQuery,
  Mount,
  ObjectCreateParams,
  ObjectDownloadQuery,
  ObjectListQuery,
  ObjectView,
  ReadFileParams,
  SendStdinParams,
  SnapshotCreateParams,
  SnapshotStatusView,
  StreamOffsetQuery,
  validate,
  WriteFileParams,
} from '../../src/api/views/index.js';
import { devboxView } from './support/fixtures.js';

const devbox = { ...devboxView, state_transitions: [{ status: 'provisioning', transition_time_ms: 1 }] };

describe('DevboxView', () => {
  it('decodes a minimal view', () => {
    expect(DevboxView.decode(devbox)._tag).toBe('Right');
  });
  it('tolerates statuses, capabilities and reasons it does not know', () => {
    const future = {
      ...devbox,
      status: 'hibernating',
      capabilities: ['gpu'],
      state_transitions: [{ status: 'thawing' }],
      failure_reason: 'cosmic_ray',
      launch_parameters: { resource_size_request: 'XXX_LARGE', architecture: 'riscv64' },
    };
    const decoded = DevboxView.decode(future);
    expect(decoded._tag).toBe('Right');
    expect(DevboxStatus.isKnown(future.status)).toBe(false);
  });
  it('requires the keys the contract marks required (end_time_ms may be null, not absent)', () => {
    for (const key of [
      'id',
      'status',
      'create_time_ms',
      'end_time_ms',
      'capabilities',
      'launch_parameters',
      'metadata',
      'state_transitions',
    ]) {
      const { [key]: _dropped, ...rest } = devbox as Record<string, unknown>;
      expect(DevboxView.is(rest), key).toBe(false);
    }
  });
  it('accepts null on nullable optional fields and a tunnel', () => {
    const view = {
      ...devbox,
      name: null,
      blueprint_id: null,
      tunnel: { auth_mode: 'open', create_time_ms: 1, http_keep_alive: true, tunnel_key: 'k', wake_on_http: false },
    };
    expect(DevboxView.is(view)).toBe(true);
    expect(DevboxView.is({ ...view, tunnel: null })).toBe(true);
    expect(DevboxView.is({ ...view, tunnel: { tunnel_key: 'k' } })).toBe(false);
  });
  it('lists decode via the devboxes key', () => {
    expect(DevboxListView.is({ devboxes: [devbox], has_more: false, total_count: 1 })).toBe(true);
    expect(DevboxListView.is({ devboxes: [{ ...devbox, id: 3 }], has_more: false })).toBe(false);
  });
  it('knows which statuses are terminal', () => {
    expect(['failure', 'shutdown', 'running', 'brand_new'].map(isTerminalDevboxStatus)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('devbox requests', () => {
  it('accepts an empty create body', () => {
    expect(DevboxCreateParams.is({})).toBe(true);
  });
  it('rejects more than one image source', () => {
    expect(validate(DevboxCreateParams, { blueprint_name: 'a', snapshot_id: 'b' })).toEqual({
      ok: false,
      problems: ['(root): expected at most one of blueprint_id, blueprint_name, snapshot_id'],
    });
    expect(DevboxCreateParams.is({ blueprint_name: 'a', snapshot_id: null })).toBe(true);
  });
  it('rejects unknown sizes and architectures strictly', () => {
    expect(LaunchParametersParams.is({ resource_size_request: 'HUGE' })).toBe(false);
    expect(LaunchParametersParams.is({ architecture: 'riscv64' })).toBe(false);
    expect(LaunchParametersParams.is({ after_idle: { idle_time_seconds: 60, on_idle: 'hibernate' } })).toBe(false);
    expect(
      LaunchParametersParams.is({ resource_size_request: 'CUSTOM_SIZE', custom_cpu_cores: 2, custom_gb_memory: 4 }),
    ).toBe(true);
  });
  it('checks custom sizes and limits', () => {
    const bad = [
      { custom_cpu_cores: 3 },
      { custom_cpu_cores: 18 },
      { custom_gb_memory: 3 },
      { custom_disk_size: 65 },
      { custom_disk_size: 1 },
      { keep_alive_time_seconds: 172_801 },
      { user_parameters: { uid: -1, username: 'u' } },
      { lifecycle: { lifecycle_hooks: { suspend_deadline_ms: 60_001 } } },
    ];
    for (const p of bad) expect(LaunchParametersParams.is(p), JSON.stringify(p)).toBe(false);
    expect(LaunchParametersParams.is({ custom_cpu_cores: 0.5, custom_gb_memory: 1, custom_disk_size: 64 })).toBe(true);
  });
  it('reports cross-field launch problems', () => {
    expect(launchParametersProblems({ custom_cpu_cores: 2, custom_gb_memory: 4 })).toEqual([]);
    expect(launchParametersProblems({ custom_cpu_cores: 2, custom_gb_memory: 32 })).toHaveLength(1);
    expect(
      launchParametersProblems({
        after_idle: { idle_time_seconds: 1, on_idle: 'suspend' },
        lifecycle: { after_idle: { idle_time_seconds: 2, on_idle: 'suspend' } },
      }),
    ).toHaveLength(1);
  });
  it('decodes the list query from strings and rejects unknown statuses', () => {
    expect(DevboxListQuery.decode({ limit: '3', status: 'running', include_total_count: 'true' })).toEqual({
      _tag: 'Right',
      right: { limit: 3, status: 'running', include_total_count: true },
    });
    expect(DevboxListQuery.decode({ status: 'hibernating' })._tag).toBe('Left');
  });
  it('requires at least one known status to wait for', () => {
    expect(DevboxWaitForStatusParams.is({ statuses: ['running'] })).toBe(true);
    expect(DevboxWaitForStatusParams.is({ statuses: [] })).toBe(false);
    expect(DevboxWaitForStatusParams.is({ statuses: ['hibernating'] })).toBe(false);
  });
  it('validates tunnel auth modes strictly', () => {
    expect(EnableTunnelParams.is({ auth_mode: 'authenticated' })).toBe(true);
    expect(EnableTunnelParams.is({ auth_mode: 'public' })).toBe(false);
  });
});

describe('Mount', () => {
  it('accepts each mount kind', () => {
    const mounts = [
      { type: 'object_mount', object_id: 'obj_1', object_path: '/home/user/data' },
      { type: 'file_mount', target: '/etc/motd', content: 'hi' },
      { type: 'code_mount', repo_name: 'rx', repo_owner: 'me', git_ref: null },
      { type: 'agent_mount', agent_id: null, agent_name: 'coder' },
      { type: 'broker_mount', axon_id: 'ax_1', protocol: 'acp' },
    ];
    for (const m of mounts) expect(Mount.is(m), m.type).toBe(true);
  });
  it('rejects unknown types and missing fields of the named type', () => {
    expect(Mount.is({ type: 'nfs_mount', target: '/x' })).toBe(false);
    expect(Mount.is({ type: 'object_mount', object_id: 'obj_1' })).toBe(false);
    expect(Mount.is({ type: 'file_mount', object_id: 'obj_1', object_path: '/x' })).toBe(false);
    expect(Mount.is({ type: 'broker_mount', axon_id: 'a', protocol: 'smtp' })).toBe(false);
  });
  it('reports the failing field of the named kind, or the unknown type', () => {
    expect(validate(Mount, { type: 'nfs_mount' })).toEqual({
      ok: false,
      problems: ['type: expected one of object_mount, file_mount, code_mount, agent_mount, broker_mount'],
    });
    expect(validate(Mount, { type: 'code_mount', repo_owner: 'me' })).toEqual({
      ok: false,
      problems: ['repo_name: expected string'],
    });
    expect(validate(Mount, 'object_mount')).toEqual({ ok: false, problems: ['(root): expected a mount object'] });
    expect(validate(DevboxCreateParams, { mounts: [{ type: 'file_mount', target: '/a' }] })).toEqual({
      ok: false,
      problems: ['mounts.0.content: expected string'],
    });
  });
  it('needs agent_id or agent_name on an agent mount', () => {
    expect(Mount.is({ type: 'agent_mount', agent_id: null, agent_name: null })).toBe(false);
    expect(Mount.is({ type: 'agent_mount', agent_id: 'agt_1', agent_name: null })).toBe(true);
  });
});

describe('executions', () => {
  it('decode views with unknown statuses and null tails', () => {
    expect(ExecutionView.is({ devbox_id: 'd', execution_id: 'e', status: 'paused', stdout: null })).toBe(true);
    expect(ExecutionView.is({ devbox_id: 'd', status: 'running' })).toBe(false);
  });
  it('limit optimistic_timeout and timeout_seconds to 25 s', () => {
    expect(ExecuteParams.is({ command: 'ls', command_id: 'c', optimistic_timeout: 25 })).toBe(true);
    expect(ExecuteParams.is({ command: 'ls', optimistic_timeout: 26 })).toBe(false);
    expect(ExecuteParams.is({ command: 'ls', optimistic_timeout: -1 })).toBe(false);
    expect(ExecuteParams.is({ command_id: 'c' })).toBe(false);
    expect(ExecutionWaitParams.is({ statuses: ['completed'], timeout_seconds: 25 })).toBe(true);
    expect(ExecutionWaitParams.is({ statuses: ['completed'], timeout_seconds: 26 })).toBe(false);
    expect(ExecutionWaitParams.is({ statuses: [] })).toBe(false);
    expect(ExecutionWaitParams.is({ statuses: ['failed'] })).toBe(false);
  });
  it('validate stdin signals strictly', () => {
    expect(SendStdinParams.is({ signal: 'EOF' })).toBe(true);
    expect(SendStdinParams.is({ signal: 'KILL' })).toBe(false);
  });
  it('decode numeric query strings', () => {
    expect(LastNQuery.decode({ last_n: '100' })).toEqual({ _tag: 'Right', right: { last_n: 100 } });
    expect(StreamOffsetQuery.decode({ offset: '0' })).toEqual({ _tag: 'Right', right: { offset: 0 } });
    expect(StreamOffsetQuery.decode({ offset: '-5' })._tag).toBe('Left');
  });
  it('decode SSE chunks with an optional offset', () => {
    expect(ExecutionUpdateChunk.is({ output: 'a\n' })).toBe(true);
    expect(ExecutionUpdateChunk.is({ output: 'a\n', offset: 2 })).toBe(true);
    expect(ExecutionUpdateChunk.is({ offset: 2 })).toBe(false);
  });
});

describe('files', () => {
  it('use file_path for read/write and path for download', () => {
    expect(ReadFileParams.is({ file_path: 'a.txt' })).toBe(true);
    expect(ReadFileParams.is({ path: 'a.txt' })).toBe(false);
    expect(WriteFileParams.is({ file_path: 'a.txt', contents: '' })).toBe(true);
    expect(WriteFileParams.is({ file_path: 'a.txt' })).toBe(false);
    expect(DownloadFileParams.is({ path: 'a.txt' })).toBe(true);
    expect(DownloadFileParams.is({ path: '' })).toBe(false);
  });
});

describe('snapshots', () => {
  it('limit commit messages to 1000 characters', () => {
    expect(SnapshotCreateParams.is({ commit_message: 'x'.repeat(1000) })).toBe(true);
    expect(SnapshotCreateParams.is({ commit_message: 'x'.repeat(1001) })).toBe(false);
  });
  it('decode status views with unknown statuses', () => {
    expect(SnapshotStatusView.is({ status: 'archiving', snapshot: null })).toBe(true);
  });
  it('round-trip metadata filters through bracket keys', () => {
    const query = metadataQuery({ env: 'prod', team: ['a', 'b'] });
    expect(query).toEqual({ 'metadata[env]': 'prod', 'metadata[team][in]': 'a,b' });
    expect(metadataFilters({ ...query, limit: '5' })).toEqual({ env: 'prod', team: ['a', 'b'] });
  });
});

describe('blueprints', () => {
  it('require a name and validate the build context', () => {
    expect(BlueprintCreateParams.is({ name: 'py', build_context: { type: 'object', object_id: 'obj_1' } })).toBe(true);
    expect(BlueprintCreateParams.is({ dockerfile: 'FROM x' })).toBe(false);
    expect(BlueprintCreateParams.is({ name: 'py', build_context: { type: 'git', object_id: 'o' } })).toBe(false);
  });
  it('decode views with unknown statuses', () => {
    const view = {
      id: 'bpt_1',
      name: 'py',
      create_time_ms: 1,
      parameters: { name: 'py' },
      state: 'created',
      status: 'signing',
    };
    expect(BlueprintView.is(view)).toBe(true);
    expect(BlueprintView.is({ ...view, parameters: undefined })).toBe(false);
  });
});

describe('objects', () => {
  it('validate content types strictly on create and tolerate them in views', () => {
    expect(ObjectCreateParams.is({ name: 'a', content_type: 'tgz', ttl_ms: 1000 })).toBe(true);
    expect(ObjectCreateParams.is({ name: 'a', content_type: 'zip' })).toBe(false);
    expect(ObjectCreateParams.is({ name: 'a', content_type: 'text', ttl_ms: 0 })).toBe(false);
    expect(ObjectCreateParams.is({ content_type: 'text' })).toBe(false);
    expect(
      ObjectView.is({
        id: 'o',
        name: 'a',
        content_type: 'zip',
        create_time_ms: 1,
        state: 'ARCHIVED',
        size_bytes: null,
      }),
    ).toBe(true);
  });
  it('decode list and download queries from strings', () => {
    expect(ObjectListQuery.decode({ state: 'READ_ONLY', content_type: 'text' })._tag).toBe('Right');
    expect(ObjectListQuery.decode({ state: 'GONE' })._tag).toBe('Left');
    expect(ObjectDownloadQuery.decode({ duration_seconds: '60' })).toEqual({
      _tag: 'Right',
      right: { duration_seconds: 60 },
    });
    expect(ObjectDownloadQuery.decode({ duration_seconds: '0' })._tag).toBe('Left');
  });
});
