/**
 * Command execution views, parameters and queries (runloop-api.md §7).
 */
import * as t from 'io-ts';
import { nonEmptyArray, nullable, numberRange, openEnum, queryInt } from './shared.js';
import { ShellCommand, ShellName, ShortRef } from './limits.js';

/** The longest a server holds `execute` or an execution `wait_for_status`, in seconds. @example Math.min(requested, MAX_EXEC_WAIT_SECONDS) */
export const MAX_EXEC_WAIT_SECONDS = 25;

/**
 * An execution's status. Open: unknown statuses decode.
 *
 * @example
 * ExecutionStatus.strict.is('killed'); // false
 */
export const ExecutionStatus = openEnum('ExecutionStatus', ['queued', 'running', 'completed']);
export type ExecutionStatus = t.TypeOf<typeof ExecutionStatus>;
/** @example ExecutionStatusStrict.is('completed') // true */
export const ExecutionStatusStrict = ExecutionStatus.strict;
export type ExecutionStatusStrict = t.TypeOf<typeof ExecutionStatusStrict>;

/**
 * An asynchronous execution. `stdout`/`stderr` hold the last `last_n` lines once completed.
 *
 * @example
 * ExecutionView.is({ devbox_id: 'dbx_1', execution_id: 'exe_1', status: 'running' }); // true
 */
export const ExecutionView = t.intersection(
  [
    t.type({ devbox_id: t.string, execution_id: t.string, status: ExecutionStatus }),
    t.partial({
      exit_status: nullable(t.number),
      stdout: nullable(t.string),
      stderr: nullable(t.string),
      stdout_truncated: nullable(t.boolean),
      stderr_truncated: nullable(t.boolean),
      shell_name: nullable(t.string),
    }),
  ],
  'ExecutionView',
);
export type ExecutionView = t.TypeOf<typeof ExecutionView>;

/**
 * A finished synchronous execution (execute_sync, write_file_contents).
 *
 * @example
 * ExecDetail.is({ devbox_id: 'dbx_1', exit_status: 0, stdout: '', stderr: '' }); // true
 */
export const ExecDetail = t.intersection(
  [
    t.type({ devbox_id: t.string, exit_status: t.number, stdout: t.string, stderr: t.string }),
    t.partial({ shell_name: nullable(t.string) }),
  ],
  'ExecDetail',
);
export type ExecDetail = t.TypeOf<typeof ExecDetail>;

/**
 * Body of `execute`. `command_id` (a UUIDv7) makes retries idempotent;
 * the SDK always sends one. `optimistic_timeout` is at most 25 s.
 *
 * @example
 * ExecuteParams.is({ command: 'ls', command_id: '0190…', optimistic_timeout: 30 }); // false
 */
export const ExecuteParams = t.intersection(
  [
    t.type({ command: ShellCommand }),
    t.partial({
      command_id: ShortRef,
      optimistic_timeout: nullable(numberRange(0, MAX_EXEC_WAIT_SECONDS)),
      shell_name: nullable(ShellName),
    }),
  ],
  'ExecuteParams',
);
export type ExecuteParams = t.TypeOf<typeof ExecuteParams>;

/**
 * Body of `execute_async` (and of the deprecated `execute_sync`).
 *
 * @example
 * ExecuteAsyncParams.is({ command: 'sleep 1', attach_stdin: true }); // true
 */
export const ExecuteAsyncParams = t.intersection(
  [
    t.type({ command: ShellCommand }),
    t.partial({ shell_name: nullable(ShellName), attach_stdin: nullable(t.boolean) }),
  ],
  'ExecuteAsyncParams',
);
export type ExecuteAsyncParams = t.TypeOf<typeof ExecuteAsyncParams>;

/**
 * Query of `execute`, execution retrieve and `wait_for_status`: tail length.
 *
 * @example
 * LastNQuery.decode({ last_n: '50' }); // right({ last_n: 50 })
 */
export const LastNQuery = t.partial({ last_n: queryInt(0) }, 'LastNQuery');
export type LastNQuery = t.TypeOf<typeof LastNQuery>;

/**
 * Body of an execution `wait_for_status`: at least one strict status, and
 * `timeout_seconds` at most 25.
 *
 * @example
 * ExecutionWaitParams.is({ statuses: ['completed'], timeout_seconds: 10 }); // true
 */
export const ExecutionWaitParams = t.intersection(
  [
    t.type({ statuses: nonEmptyArray(ExecutionStatusStrict) }),
    t.partial({ timeout_seconds: nullable(numberRange(0, MAX_EXEC_WAIT_SECONDS)) }),
  ],
  'ExecutionWaitParams',
);
export type ExecutionWaitParams = t.TypeOf<typeof ExecutionWaitParams>;

/**
 * Body of `kill`; `{}` kills only the process.
 *
 * @example
 * ExecutionKillParams.is({ kill_process_group: true }); // true
 */
export const ExecutionKillParams = t.partial({ kill_process_group: nullable(t.boolean) }, 'ExecutionKillParams');
export type ExecutionKillParams = t.TypeOf<typeof ExecutionKillParams>;

/** @example StdinSignal.is('EOF') // true */
export const StdinSignal = openEnum('StdinSignal', ['EOF', 'INTERRUPT']);
export type StdinSignal = t.TypeOf<typeof StdinSignal>;
/** Strict form of {@link StdinSignal}, for requests. @example StdinSignalStrict.is('KILL') // false */
export const StdinSignalStrict = StdinSignal.strict;
export type StdinSignalStrict = t.TypeOf<typeof StdinSignalStrict>;

/**
 * Body of `send_std_in`.
 *
 * @example
 * SendStdinParams.is({ text: 'y\n' }); // true
 * SendStdinParams.is({ signal: 'KILL' }); // false
 */
export const SendStdinParams = t.partial(
  { text: nullable(t.string), signal: nullable(StdinSignal.strict) },
  'SendStdinParams',
);
export type SendStdinParams = t.TypeOf<typeof SendStdinParams>;

/** @example SendStdinView.is({ devbox_id: 'd', execution_id: 'e', success: true }) // true */
export const SendStdinView = t.type(
  { devbox_id: t.string, execution_id: t.string, success: t.boolean },
  'SendStdinView',
);
export type SendStdinView = t.TypeOf<typeof SendStdinView>;

/**
 * Query of the output streams: byte offset to resume from (default 0).
 *
 * @example
 * StreamOffsetQuery.decode({ offset: '1024' }); // right({ offset: 1024 })
 */
export const StreamOffsetQuery = t.partial({ offset: queryInt(0) }, 'StreamOffsetQuery');
export type StreamOffsetQuery = t.TypeOf<typeof StreamOffsetQuery>;

/**
 * One SSE chunk of output, the one declaration of the wire format (the
 * server encodes it, the SDK's resumable reader decodes with it): `offset`
 * is the byte position after this chunk (resume point); a client accepts
 * it absent or `null` (then the chunk follows the previous one).
 *
 * @example
 * ExecutionUpdateChunk.is({ output: 'hello\n', offset: 6 }); // true
 */
export const ExecutionUpdateChunk = t.intersection(
  [t.type({ output: t.string }), t.partial({ offset: nullable(t.number) })],
  'ExecutionUpdateChunk',
);
export type ExecutionUpdateChunk = t.TypeOf<typeof ExecutionUpdateChunk>;

/**
 * The data of an SSE `event: error`; `code` is an HTTP status as a string (`"408"` = resume).
 *
 * @example
 * SseErrorData.is({ code: '408', message: 'idle' }); // true
 */
export const SseErrorData = t.intersection(
  [t.type({ code: t.string }), t.partial({ message: nullable(t.string) })],
  'SseErrorData',
);
export type SseErrorData = t.TypeOf<typeof SseErrorData>;
