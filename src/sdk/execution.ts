import { asyncScheduler, defer, last, map, merge, throwError, type Observable, type SchedulerLike } from 'rxjs';
import type { ExecutionView } from '../api/views/execution.js';
import { longPoll } from '../core/long-poll.js';
import { ExecutionResult } from './execution-result.js';
import { longPollDeadline, type CallOptions, type WaitOptions } from './options.js';
import { toAsyncIterable } from './internal/async-iterable.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { STATE_FETCH_OPTIONS, withLastStateOnTimeout } from './internal/timeout-state.js';
import { outputLines } from './internal/execution-output.js';
import type { OutputLine, OutputPosition, OutputStream } from './output.js';
import { shareFromStart } from './internal/share-from-start.js';
import { definedFields } from './internal/defined-fields.js';

/**
 * A command started on a devbox (`devbox.cmd.execAsync`). Attaching to its
 * output never kills it; `kill()` does.
 *
 * @example
 * const execution = await firstValueFrom(devbox.cmd.execAsync('npm run build'));
 * execution.output$.subscribe(({ stream, line }) => console.log(stream, line));
 * const result = await lastValueFrom(execution.result());
 */
export class Execution {
  /**
   * Every line of both streams from the first byte, then the live lines,
   * whenever you subscribe (before, during or after the run): each
   * subscriber gets each line exactly once, in order within its stream.
   * Completes when the command is done and all output is read.
   *
   * Concurrent subscribers share one server stream per output stream; one
   * that arrives late re-reads the earlier lines from the server by offset
   * and then joins the shared stream, so memory stays flat (nothing is
   * buffered). Lines are pushed as they arrive (no backpressure); slow
   * Observers must buffer themselves. Unsubscribing never kills the
   * command. For a given position use {@link outputFrom}.
   */
  readonly output$: Observable<OutputLine>;

  /** @internal use `devbox.cmd.execAsync`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The view returned when the command was started. */
    readonly initial: ExecutionView,
    scheduler: SchedulerLike = asyncScheduler,
  ) {
    const stream = (name: OutputStream) =>
      shareFromStart((from) =>
        outputLines(ctx.api, this.devboxId, this.executionId, [name], { [name]: from }, undefined, scheduler),
      );
    this.output$ = merge(stream('stdout'), stream('stderr'));
  }

  /** The execution's id. */
  get executionId(): string {
    return this.initial.execution_id;
  }
  /** The devbox it runs on. */
  get devboxId(): string {
    return this.initial.devbox_id;
  }

  /**
   * The current state (GET). Cold.
   *
   * @example
   * execution.getInfo().subscribe((s) => console.log(s.status, s.exit_status));
   */
  getInfo(options?: CallOptions): Observable<ExecutionView> {
    return defer(() => this.ctx.api.executions.retrieve(this.devboxId, this.executionId, {}, requestOptions(options)));
  }

  /**
   * Waits for completion (long-poll) and emits the result. Cold. The
   * `pollingConfig.timeoutMs` deadline fails with `PollingTimeoutError`
   * carrying the last state (fetched once if no long-poll had answered).
   *
   * @example
   * execution.result({ pollingConfig: { timeoutMs: 60_000 } }).subscribe((r) => console.log(r.exitCode));
   */
  result(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<ExecutionResult> {
    const deadline = longPollDeadline(options);
    if (deadline instanceof Error) return throwError(() => deadline);
    const wait$ = defer(() =>
      this.ctx.api.executions.waitForStatus(
        this.devboxId,
        this.executionId,
        { statuses: ['completed'] },
        requestOptions(options),
      ),
    );
    const state$ = defer(() =>
      this.ctx.api.executions.retrieve(
        this.devboxId,
        this.executionId,
        {},
        { ...requestOptions(options), ...STATE_FETCH_OPTIONS },
      ),
    );
    return longPoll(wait$, (view) => view.status === 'completed', deadline, scheduler).pipe(
      last(),
      withLastStateOnTimeout(state$, { resource: `execution ${this.executionId}`, state: 'completed' }),
      map((view) => new ExecutionResult(this.ctx, view)),
    );
  }

  /**
   * Kills the command. Cold.
   *
   * @example
   * execution.kill().subscribe();
   */
  kill(options?: CallOptions & { readonly killProcessGroup?: boolean }): Observable<ExecutionView> {
    const params = definedFields({ kill_process_group: options?.killProcessGroup });
    return defer(() => this.ctx.api.executions.kill(this.devboxId, this.executionId, params, requestOptions(options)));
  }

  /**
   * Cold replay of the output from a byte position per stream (a line's
   * `offset` resumes right after that line); `{}` is the start.
   *
   * @example
   * execution.outputFrom({ stdout: lastSeen.offset, stderr: 0 }).subscribe(print);
   */
  outputFrom(
    position: OutputPosition = {},
    options?: CallOptions,
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<OutputLine> {
    return outputLines(
      this.ctx.api,
      this.devboxId,
      this.executionId,
      ['stdout', 'stderr'],
      position,
      requestOptions(options),
      scheduler,
    );
  }

  /**
   * Lines for `for await`, from `position` (default: the start). Lines that
   * arrive while the loop body runs are queued (the HTTP stream is not
   * paused), so a loop much slower than the command's output grows that
   * queue; keep the body quick or subscribe to {@link outputFrom} instead.
   *
   * @example
   * for await (const { line } of execution.lines()) console.log(line);
   */
  lines(position: OutputPosition = {}, options?: CallOptions): AsyncIterable<OutputLine> {
    return toAsyncIterable(this.outputFrom(position, options));
  }
}
