/**
 * Builders of valid API views for tests: every required field filled with a
 * plausible default, overridden by what the test cares about.
 */
import type { BlueprintView } from '../api/views/blueprint.js';
import type { DevboxView } from '../api/views/devbox.js';
import type { SnapshotStatusView, SnapshotView } from '../api/views/disk-snapshot.js';
import type { ExecutionView } from '../api/views/execution.js';
import type { ObjectView } from '../api/views/object.js';

/**
 * A DevboxView (`dbx_test`, running) with `overrides` applied.
 *
 * @example
 * caller.when('GET /v1/devboxes/dbx_1').respond(devboxView({ id: 'dbx_1', status: 'provisioning' }));
 */
export function devboxView(overrides: Partial<DevboxView> = {}): DevboxView {
  return {
    id: 'dbx_test',
    status: 'running',
    create_time_ms: 0,
    end_time_ms: null,
    capabilities: [],
    launch_parameters: {},
    metadata: {},
    state_transitions: [],
    ...overrides,
  };
}

/**
 * An ExecutionView (`exe_test` on `dbx_test`, running) with `overrides` applied.
 *
 * @example
 * executionView({ status: 'completed', exit_status: 0, stdout: 'hi\n' });
 */
export function executionView(overrides: Partial<ExecutionView> = {}): ExecutionView {
  return { devbox_id: 'dbx_test', execution_id: 'exe_test', status: 'running', ...overrides };
}

/**
 * An ObjectView (`obj_test`, READ_ONLY text) with `overrides` applied.
 *
 * @example
 * objectView({ state: 'UPLOADING', upload_url: 'http://127.0.0.1:1/put' });
 */
export function objectView(overrides: Partial<ObjectView> = {}): ObjectView {
  return {
    id: 'obj_test',
    name: 'test.txt',
    content_type: 'text',
    create_time_ms: 0,
    state: 'READ_ONLY',
    ...overrides,
  };
}

/**
 * A BlueprintView (`bpt_test`, build_complete) with `overrides` applied.
 *
 * @example
 * blueprintView({ status: 'building' });
 */
export function blueprintView(overrides: Partial<BlueprintView> = {}): BlueprintView {
  return {
    id: 'bpt_test',
    name: 'test',
    create_time_ms: 0,
    parameters: { name: 'test' },
    state: 'created',
    status: 'build_complete',
    ...overrides,
  };
}

/**
 * A SnapshotView (`snp_test` of `dbx_test`) with `overrides` applied.
 *
 * @example
 * snapshotView({ name: 'before-upgrade' });
 */
export function snapshotView(overrides: Partial<SnapshotView> = {}): SnapshotView {
  return { id: 'snp_test', create_time_ms: 0, metadata: {}, source_devbox_id: 'dbx_test', ...overrides };
}

/**
 * A snapshot status response (complete, with the snapshot) with `overrides` applied.
 *
 * @example
 * snapshotStatusView({ status: 'in_progress' });
 */
export function snapshotStatusView(overrides: Partial<SnapshotStatusView> = {}): SnapshotStatusView {
  return { status: 'complete', snapshot: snapshotView(), ...overrides };
}
