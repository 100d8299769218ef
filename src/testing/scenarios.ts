/**
 * Scenario helpers: script what a resource DOES over virtual time, and the
 * fake answers every endpoint the SDK may use for it (GET, long-polls with
 * their 408 after the hold, SSE output from any offset, build logs). Tests
 * then need no endpoint paths and no knowledge of the wait protocol.
 */
import { asyncScheduler, concat, map, mergeMap, of, takeWhile, throwError, timer, type Observable } from 'rxjs';
import type { DevboxStatus } from '../api/views/devbox.js';
import type { ApiRequest } from '../core/request.js';
import type { FakeApiCaller } from './fake-api-caller.js';
import { blueprintView, devboxView, executionView } from './fixtures.js';
import { timeout408 } from './replies.js';

/** How long the fake holds a long-poll before answering 408, like the server (runloop-api.md §5). */
const HOLD_FRAMES = 25_000;

/**
 * A list of `[frame, value]` steps: the value holds from its frame until the next step.
 *
 * @example
 * const steps: Timeline<string> = [[0, 'provisioning'], [10, 'initializing'], [30, 'running']];
 */
export type Timeline<T> = ReadonlyArray<readonly [frame: number, value: T]>;

function valueAt<T>(timeline: Timeline<T>, frame: number): T {
  let current = timeline[0]?.[1];
  for (const [at, value] of timeline) if (at <= frame) current = value;
  if (current === undefined) throw new Error('a scenario timeline needs at least one step');
  return current;
}

/** A long-poll answer: now if `wanted` holds, else at the first step where it does within the hold, else 408. */
function longPollAnswer<T, V>(
  timeline: Timeline<T>,
  wanted: (value: T) => boolean,
  view: (value: T) => V,
): Observable<V> {
  const now = asyncScheduler.now();
  const current = valueAt(timeline, now);
  if (wanted(current)) return of(view(current));
  const next = timeline.find(([at, value]) => at > now && wanted(value));
  if (next !== undefined && next[0] - now <= HOLD_FRAMES) return timer(next[0] - now).pipe(map(() => view(next[1])));
  return timer(HOLD_FRAMES).pipe(mergeMap(() => throwError(() => timeout408())));
}

function statusesOf(request: ApiRequest): readonly string[] {
  const body = request.body as { statuses?: readonly string[] } | undefined;
  return body?.statuses ?? [];
}

/**
 * Scripts a devbox that goes through `timeline` (statuses at frames): its
 * create (`create_and_await_running`), GET and `wait_for_status` long-polls
 * (answered when an asked status is reached, 408 after the 25 s hold), and
 * a shutdown are all answered.
 *
 * @example
 * runInVirtualTime(({ expectObservable }) => {
 *   const { sdk, caller } = testSdk();
 *   devboxScenario(caller, 'dbx_1', [[0, 'provisioning'], [10, 'initializing'], [30, 'running']]);
 *   expectObservable(sdk.devbox.create().pipe(map((d) => d.id))).toBe('30ms (a|)', { a: 'dbx_1' });
 * });
 */
export function devboxScenario(caller: FakeApiCaller, id: string, timeline: Timeline<DevboxStatus>): FakeApiCaller {
  const view = (status: DevboxStatus) => devboxView({ id, status });
  const now = () => view(valueAt(timeline, asyncScheduler.now()));
  return caller
    .when('POST /v1/devboxes/create_and_await_running')
    .respond(() => now())
    .when(`GET /v1/devboxes/${id}`)
    .respond(() => now())
    .when(`POST /v1/devboxes/${id}/wait_for_status`)
    .respond((request: ApiRequest) => longPollAnswer(timeline, (status) => statusesOf(request).includes(status), view))
    .when(`POST /v1/devboxes/${id}/shutdown`)
    .respond(() => view('shutdown'));
}

/**
 * What an execution scenario prints and how it ends.
 *
 * @example
 * const run: ExecutionScript = { output: [[5, 'stdout', 'hello'], [8, 'stderr', 'warn']], exit: [10, 3] };
 */
export interface ExecutionScript {
  /** `[frame, stream, line]`: the line (a newline is added) is written at that frame. */
  readonly output: ReadonlyArray<readonly [frame: number, stream: 'stdout' | 'stderr', line: string]>;
  /** `[frame, exitCode]`: the command exits at that frame (after its last line). */
  readonly exit: readonly [frame: number, exitCode: number];
}

/**
 * Scripts a command on devbox `devboxId` that prints `script.output` and
 * exits as `script.exit` says: its start (`execute`, `execute_async`), GET,
 * `wait_for_status`, kill, and both output streams from any offset (each
 * line one chunk, closed at the exit) are all answered.
 *
 * @example
 * runInVirtualTime(({ expectObservable }) => {
 *   const { sdk, caller } = testSdk();
 *   executionScenario(caller, 'dbx_1', 'exe_1', { output: [[2, 'stdout', 'hi']], exit: [5, 3] });
 *   expectObservable(sdk.devbox.attach('dbx_1').cmd.exec('x').pipe(map((r) => r.exitCode))).toBe('5ms (c|)', { c: 3 });
 * });
 */
export function executionScenario(
  caller: FakeApiCaller,
  devboxId: string,
  executionId: string,
  script: ExecutionScript,
): FakeApiCaller {
  const [exitFrame, exitCode] = script.exit;
  const base = `/v1/devboxes/${devboxId}/executions/${executionId}`;
  const timeline: Timeline<'running' | 'completed'> = [
    [0, 'running'],
    [exitFrame, 'completed'],
  ];
  const view = (status: 'running' | 'completed') =>
    executionView({
      devbox_id: devboxId,
      execution_id: executionId,
      status,
      ...(status === 'completed' ? { exit_status: exitCode } : {}),
    });
  const now = () => view(valueAt(timeline, asyncScheduler.now()));
  const stream = (name: 'stdout' | 'stderr') => (request: ApiRequest) => {
    const from = Number(request.query?.['offset'] ?? 0);
    const at = asyncScheduler.now();
    let end = 0;
    const chunks = script.output
      .filter(([, s]) => s === name)
      .map(([frame, , line]) => {
        end += Buffer.byteLength(`${line}\n`);
        return { frame, chunk: { output: `${line}\n`, offset: end } };
      })
      .filter(({ chunk }) => chunk.offset > from);
    // Written before now: sent at once; later ones at their frame; the stream closes at the exit.
    // `concat` runs the timers one after another, so each waits from the previous step.
    let previous = at;
    const step = (frame: number) => {
      const wait = Math.max(0, frame - previous);
      previous = Math.max(previous, frame);
      return wait;
    };
    return concat(
      ...chunks.map(({ frame, chunk }) => timer(step(frame)).pipe(map(() => chunk))),
      timer(step(exitFrame)).pipe(map(() => null)),
    ).pipe(takeWhile((chunk) => chunk !== null));
  };
  return caller
    .when(`POST /v1/devboxes/${devboxId}/execute`)
    .respond(() => now())
    .when(`POST /v1/devboxes/${devboxId}/execute_async`)
    .respond(() => now())
    .when(`GET ${base}`)
    .respond(() => now())
    .when(`POST ${base}/wait_for_status`)
    .respond((request: ApiRequest) => longPollAnswer(timeline, (status) => statusesOf(request).includes(status), view))
    .when(`POST ${base}/kill`)
    .respond(() => view('completed'))
    .when({ path: `${base}/stream_stdout_updates` })
    .respond(stream('stdout'))
    .when({ path: `${base}/stream_stderr_updates` })
    .respond(stream('stderr'));
}

/**
 * Scripts a blueprint build that goes through `timeline` (statuses at
 * frames, e.g. ending in `failed`) and whose build log is `log`: its create,
 * GET and logs are answered.
 *
 * @example
 * blueprintScenario(caller, 'bpt_1', [[0, 'queued'], [5, 'building'], [20, 'failed']], ['RUN make', 'make: *** [all] Error 2']);
 */
export function blueprintScenario(
  caller: FakeApiCaller,
  id: string,
  timeline: Timeline<string>,
  log: readonly string[],
): FakeApiCaller {
  const now = () => blueprintView({ id, status: valueAt(timeline, asyncScheduler.now()) });
  return caller
    .when('POST /v1/blueprints')
    .respond(() => now())
    .when(`GET /v1/blueprints/${id}`)
    .respond(() => now())
    .when(`GET /v1/blueprints/${id}/logs`)
    .respond(() => ({
      blueprint_id: id,
      logs: log.map((message, i) => ({ level: 'info', message, timestamp_ms: i })),
    }));
}
