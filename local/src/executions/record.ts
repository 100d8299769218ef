/**
 * How an execution is kept in the store. Its output is not here: it lives
 * in two files under `<dataDir>/executions/<id>/`.
 */
import * as t from 'io-ts';
import { ExecutionStatusStrict, type ExecutionView } from 'runloop-rx/views';
import { nullable } from '../store/codecs.js';
import type { CollectionSpec } from '../store/collection.js';

/**
 * The stored form of one execution.
 *
 * @example
 * const record: ExecutionRecord = executions.get('dbx_1', 'exe_1');
 */
export interface ExecutionRecord {
  readonly id: string;
  readonly devbox_id: string;
  readonly command: string;
  readonly shell_name: string | null;
  readonly status: ExecutionStatusStrict;
  /** Null while running, and for an execution whose process was lost with a crashed server. */
  readonly exit_status: number | null;
  /** `<devbox id>/<command_id>` when the client sent a command_id: the dedupe key. */
  readonly command_key: string | null;
  readonly attach_stdin: boolean;
  readonly create_time_ms: number;
  readonly end_time_ms: number | null;
  /** True when the server restarted while it ran: the outcome is unknown. */
  readonly lost: boolean;
}

/**
 * Store layout: by creation, filterable by devbox, status and dedupe key.
 *
 * @example
 * const executions = store.collection('executions', EXECUTION_COLLECTION);
 */
export const EXECUTION_COLLECTION: CollectionSpec<ExecutionRecord> = {
  codec: t.type({
    id: t.string,
    devbox_id: t.string,
    command: t.string,
    shell_name: nullable(t.string),
    status: ExecutionStatusStrict,
    exit_status: nullable(t.number),
    command_key: nullable(t.string),
    attach_stdin: t.boolean,
    create_time_ms: t.number,
    end_time_ms: nullable(t.number),
    lost: t.boolean,
  }),
  createdAt: (e) => e.create_time_ms,
  indexes: { devbox_id: (e) => e.devbox_id, status: (e) => e.status, command_key: (e) => e.command_key },
};

/**
 * The output tails to put into a view.
 *
 * @example
 * toExecutionView(record, { stdout: { text: 'hi\n', truncated: false }, stderr: { text: '', truncated: false } });
 */
export interface Tails {
  readonly stdout: { readonly text: string; readonly truncated: boolean };
  readonly stderr: { readonly text: string; readonly truncated: boolean };
}

/**
 * The public view of an execution.
 *
 * @example
 * json(toExecutionView(record, tails));
 */
export function toExecutionView(record: ExecutionRecord, tails: Tails): ExecutionView {
  return {
    devbox_id: record.devbox_id,
    execution_id: record.id,
    status: record.status,
    exit_status: record.exit_status,
    stdout: tails.stdout.text,
    stderr: tails.stderr.text,
    stdout_truncated: tails.stdout.truncated,
    stderr_truncated: tails.stderr.truncated,
    shell_name: record.shell_name,
  };
}
