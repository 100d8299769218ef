import {
  EMPTY,
  Observable,
  asyncScheduler,
  concat,
  defer,
  forkJoin,
  ignoreElements,
  map,
  of,
  switchMap,
  take,
  tap,
  type SchedulerLike,
} from 'rxjs';
import { MAX_EXEC_WAIT_SECONDS, type ExecutionView } from '../api/views/execution.js';
import { abortOn } from '../core/abort.js';
import { Execution } from './execution.js';
import { ExecutionResult } from './execution-result.js';
import type { WaitOptions } from './options.js';
import { uuidv7 } from '../api/uuidv7.js';
import { requestOptions, unabortableRequestOptions, type SdkContext } from './internal/context.js';
import { startThenUse, type CleanUp } from './internal/lifecycle.js';
import { outputLines, outputLinesThen } from './internal/execution-output.js';
import type { OutputLine, OutputStream } from './output.js';
import { definedFields } from './internal/defined-fields.js';

/** How long `/execute` may hold the request (runloop-api.md §7: the OO SDK uses 600 s). */
const EXECUTE_TIMEOUT_MS = 600_000;

/**
 * Synchronous per-line callbacks, called as output arrives.
 *
 * Backpressure: output is pushed as it arrives (the core's SSE reader does
 * not wait for consumers), so callbacks must be quick and synchronous; the
 * SDK keeps no line once it was delivered (memory stays flat for any output
 * size), so a slow consumer should hand lines to its own bounded buffer.
 *
 * @example
 * const callbacks: ExecCallbacks = { stdout: (line) => console.log(line), stderr: (line) => console.error(line) };
 */
export interface ExecCallbacks {
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Every line of both streams, in arrival order. */
  readonly output?: (line: string) => void;
}

/**
 * Options of `cmd.exec` / `cmd.execAsync` / `cmd.stream`.
 *
 * @example
 * devbox.cmd.exec('make', { shellName: 'build', stdout: console.log, pollingConfig: { timeoutMs: 600_000 } });
 */
export interface ExecOptions extends WaitOptions, ExecCallbacks {
  /** A named persistent shell: cwd and env carry over between its commands. */
  readonly shellName?: string;
  /** Lines of each stream kept inline in the result (server default 100). */
  readonly lastN?: number;
  /** Kill the command if the subscription ends before it does. Default true. */
  readonly killOnUnsubscribe?: boolean;
}

/**
 * The last event of `cmd.stream`: the command has exited.
 *
 * @example
 * if (event.stream === 'exit') console.log('exit code', event.exitCode);
 */
export interface ExecExit {
  readonly stream: 'exit';
  readonly exitCode: number | null;
  readonly result: ExecutionResult;
}

/**
 * What `cmd.stream` emits: tagged lines, then one {@link ExecExit}.
 *
 * @example
 * const print = (e: ExecEvent) => (e.stream === 'exit' ? console.log(e.exitCode) : console.log(e.stream, e.line));
 */
export type ExecEvent = OutputLine | ExecExit;

/**
 * `devbox.cmd`: run commands. Starting is cold (each subscription runs the
 * command again) and, unless `killOnUnsubscribe: false`, unsubscribing
 * before the command ends kills it, even while the start request is in flight.
 *
 * @example
 * devbox.cmd.exec('echo hi', { stdout: (line) => console.log(line) }).subscribe((r) => console.log(r.exitCode));
 */
export class DevboxCmd {
  /** @internal */
  constructor(
    private readonly ctx: SdkContext,
    private readonly devboxId: string,
  ) {}

  /**
   * Runs `command` and emits one {@link ExecutionResult} when it has finished.
   * With callbacks, output is streamed and each callback gets whole lines
   * (split across chunk boundaries correctly); the result comes after all
   * output was delivered. Lines are handed to the callbacks and dropped:
   * nothing accumulates the output (use `result.stdout()` for the whole
   * text). Output is pushed with no backpressure: keep callbacks quick.
   *
   * @example
   * const result = await lastValueFrom(devbox.cmd.exec('make test', { stderr: (l) => console.error(l) }));
   */
  exec(
    command: string,
    options: ExecOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<ExecutionResult> {
    const { stdout, stderr, output } = options;
    if (stdout === undefined && stderr === undefined && output === undefined) {
      return defer(() => {
        // One id per run: a retried or repeated `/execute` with it never starts a second command.
        const commandId = uuidv7();
        const execute = (optimisticTimeout?: number): Observable<ExecutionView> =>
          this.ctx.api.devboxes.execute(
            this.devboxId,
            definedFields({
              command,
              command_id: commandId,
              optimistic_timeout: optimisticTimeout,
              shell_name: options.shellName,
              last_n: options.lastN,
            }),
            // Like a long-poll: `requestTimeoutMs` counts from the end of the longest optimistic hold.
            {
              ...unabortableRequestOptions(options),
              timeoutMs:
                options.requestTimeoutMs === undefined
                  ? EXECUTE_TIMEOUT_MS
                  : MAX_EXEC_WAIT_SECONDS * 1000 + options.requestTimeoutMs,
            },
          );
        // `/execute` may hold for 25 s, so it is aborted with the subscription rather than
        // awaited; the command it started is then found again by its id (`optimistic_timeout: 0`
        // answers at once) and killed.
        const start: ExecStart = { start$: execute(), locate: { locate$: execute(0), commandId } };
        return this.#run(start, options, (view) =>
          view.status === 'completed'
            ? of(new ExecutionResult(this.ctx, view))
            : this.#execution(view, scheduler).result(options, scheduler),
        );
      });
    }
    const streams: OutputStream[] = [];
    if (stdout !== undefined || output !== undefined) streams.push('stdout');
    if (stderr !== undefined || output !== undefined) streams.push('stderr');
    return this.#run({ start$: this.#startAsync(command, options) }, options, (view) =>
      forkJoin([
        outputLines(
          this.ctx.api,
          this.devboxId,
          view.execution_id,
          streams,
          {},
          requestOptions(options),
          scheduler,
        ).pipe(
          tap(({ stream, line }) => {
            (stream === 'stdout' ? stdout : stderr)?.(line);
            output?.(line);
          }),
          ignoreElements(),
          (lines$) => concat(lines$, of(null)),
        ),
        this.#execution(view, scheduler).result(options, scheduler),
      ]).pipe(map(([, result]) => result)),
    );
  }

  /**
   * Starts `command` and emits its {@link Execution} at once. Unsubscribing
   * while the start is in flight kills the command when its id is known;
   * after the Execution is emitted, nothing kills it but `execution.kill()`.
   *
   * @example
   * devbox.cmd.execAsync('npm run dev').subscribe((execution) => console.log(execution.executionId));
   */
  execAsync(
    command: string,
    options: ExecOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<Execution> {
    return startThenUse<ExecutionView, ExecutionView>(this.ctx, {
      start$: this.#startAsync(command, options),
      use: (view) => of(view),
      cleanUp: this.#killCommand,
      keep: 'untilDelivered',
    }).pipe(
      map((view) => this.#execution(view, scheduler)),
      abortOn(options.signal),
    );
  }

  /**
   * Runs `command` and streams it: tagged lines of both streams as they
   * arrive, then one `{ stream: 'exit', exitCode, result }`. Cold;
   * unsubscribing early kills the command unless `killOnUnsubscribe: false`.
   * Lines are pushed as they arrive, with no backpressure and no buffering.
   *
   * @example
   * devbox.cmd.stream('tail -n 100 app.log').subscribe((e) => (e.stream === 'exit' ? done(e.exitCode) : print(e.line)));
   */
  stream(command: string, options: ExecOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<ExecEvent> {
    return this.#run({ start$: this.#startAsync(command, options) }, options, (view) => {
      const exit$ = this.#execution(view, scheduler)
        .result(options, scheduler)
        .pipe(map((result): ExecExit => ({ stream: 'exit', exitCode: result.exitCode, result })));
      // Lines straight to the subscriber, then the exit: `concat` would add calls per line.
      const { devbox_id: devboxId, execution_id: executionId } = view;
      const streams = ['stdout', 'stderr'] as const;
      return outputLinesThen(
        this.ctx.api,
        devboxId,
        executionId,
        streams,
        exit$,
        {},
        requestOptions(options),
        scheduler,
      );
    });
  }

  #startAsync(command: string, options: ExecOptions): Observable<ExecutionView> {
    return defer(() =>
      this.ctx.api.devboxes.executeAsync(
        this.devboxId,
        definedFields({ command, shell_name: options.shellName }),
        // The start must not be aborted by the caller: its response names the command to kill.
        unabortableRequestOptions(options),
      ),
    );
  }

  #execution(view: ExecutionView, scheduler: SchedulerLike): Execution {
    return new Execution(this.ctx, view, scheduler);
  }

  /** The clean-up of a command this SDK started: a kill, unless it has already completed. */
  readonly #killCommand: CleanUp<ExecutionView> = {
    action: 'kill',
    id: (view) => view.execution_id,
    request: (view) =>
      view.status === 'completed' ? EMPTY : this.ctx.api.executions.kill(view.devbox_id, view.execution_id),
  };

  /**
   * Start, then `body`. Unless `killOnUnsubscribe: false`, the command is
   * killed when the subscription ends in any way but completion: unsubscribe,
   * abort, or an error (a throwing callback, a deadline), because nobody is
   * left to wait for it.
   */
  #run<T>(start: ExecStart, options: ExecOptions, body: (view: ExecutionView) => Observable<T>): Observable<T> {
    const { start$, locate } = start;
    const run$ =
      options.killOnUnsubscribe === false
        ? start$.pipe(take(1), switchMap(body))
        : startThenUse<ExecutionView, T>(this.ctx, {
            start$,
            ...(locate === undefined ? {} : { abortable: { locate$: locate.locate$, locateId: locate.commandId } }),
            use: body,
            cleanUp: this.#killCommand,
            keep: 'untilComplete',
          });
    // Outside, so an abort unsubscribes the run and so kills the command.
    return run$.pipe(abortOn(options.signal));
  }
}

/**
 * How a run starts: `start$` answers with the execution; `locate.locate$`,
 * when given, finds the command `commandId` again after `start$` was aborted
 * mid-flight (then `start$` is aborted with the subscription instead of
 * being left to finish).
 */
interface ExecStart {
  readonly start$: Observable<ExecutionView>;
  readonly locate?: { readonly locate$: Observable<ExecutionView>; readonly commandId: string };
}
