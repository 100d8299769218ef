import { asyncScheduler, defer, map, of, type Observable, type SchedulerLike } from 'rxjs';
import type { ExecutionView } from '../api/views/execution.js';
import type { CallOptions } from './options.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { fullOutput } from './internal/execution-output.js';
import type { OutputStream } from './output.js';

/**
 * The outcome of a finished command.
 *
 * @example
 * const result = await lastValueFrom(devbox.cmd.exec('ls /'));
 * console.log(result.exitCode, result.success, await firstValueFrom(result.stdout()));
 */
export class ExecutionResult {
  /** @internal use `devbox.cmd.exec` or `execution.result()`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The final execution view this result was created with, as the server sent it. */
    readonly initial: ExecutionView,
  ) {}

  /** The execution's id. */
  get executionId(): string {
    return this.initial.execution_id;
  }
  /** The devbox it ran on. */
  get devboxId(): string {
    return this.initial.devbox_id;
  }
  /** The exit status, or `null` if the server gave none. */
  get exitCode(): number | null {
    return this.initial.exit_status ?? null;
  }
  /** True iff the exit code is 0. */
  get success(): boolean {
    return this.exitCode === 0;
  }
  /** True iff there is an exit code and it is not 0. */
  get failed(): boolean {
    return this.exitCode !== null && this.exitCode !== 0;
  }

  /**
   * The complete stdout (or its last `numLines` lines). When the server's
   * copy was truncated, the whole stream is re-read from offset 0. Cold.
   *
   * @example
   * result.stdout().subscribe((text) => console.log(text));
   */
  stdout(numLines?: number, options?: CallOptions, scheduler: SchedulerLike = asyncScheduler): Observable<string> {
    return this.#output('stdout', numLines, options, scheduler);
  }

  /**
   * The complete stderr (or its last `numLines` lines); see {@link stdout}.
   *
   * @example
   * result.stderr(5).subscribe((tail) => console.error(tail));
   */
  stderr(numLines?: number, options?: CallOptions, scheduler: SchedulerLike = asyncScheduler): Observable<string> {
    return this.#output('stderr', numLines, options, scheduler);
  }

  #output(
    stream: OutputStream,
    numLines: number | undefined,
    options: CallOptions | undefined,
    scheduler: SchedulerLike,
  ): Observable<string> {
    return defer(() => {
      const inline = (stream === 'stdout' ? this.initial.stdout : this.initial.stderr) ?? '';
      const truncated = (stream === 'stdout' ? this.initial.stdout_truncated : this.initial.stderr_truncated) === true;
      // A truncated tail still answers "last n lines" when it holds at least n of them.
      if (!truncated || (numLines !== undefined && countLines(inline) >= numLines))
        return of(lastLines(inline, numLines));
      return fullOutput(this.ctx.api, this.devboxId, this.executionId, stream, requestOptions(options), scheduler).pipe(
        map((text) => lastLines(text, numLines)),
      );
    });
  }
}

function countLines(text: string): number {
  return splitTrimmed(text).length;
}

function splitTrimmed(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The whole text, or its last n lines joined by `\n` (runloop-api.md §7 "Line handling"). */
function lastLines(text: string, numLines: number | undefined): string {
  if (numLines === undefined) return text;
  if (numLines <= 0) return '';
  return splitTrimmed(text).slice(-numLines).join('\n');
}
