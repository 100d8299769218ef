import { asyncScheduler, Observable, reduce, Subscription, type SchedulerLike } from 'rxjs';
import type { RunloopApi } from '../../api/index.js';
import type { RequestOptions } from '../../core/request.js';
import { ExecutionUpdateChunk } from '../../api/views/execution.js';
import { resumableSse, type Positioned } from '../../core/resumable-sse.js';
import type { OutputLine, OutputPosition, OutputStream } from '../output.js';
import { LineSplitter } from './split-lines.js';

/**
 * One stream's raw chunks from `from`, resuming after idle timeouts and
 * dropped connections with no loss or repeat. Completes when the server
 * closes the stream (the execution is done and everything is sent).
 *
 * @example
 * outputChunks(api, 'dbx_1', 'exe_1', 'stdout').subscribe((c) => process.stdout.write(c.output));
 */
export function outputChunks(
  api: RunloopApi,
  devboxId: string,
  executionId: string,
  stream: OutputStream,
  from = 0,
  options?: RequestOptions,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Positioned<ExecutionUpdateChunk>> {
  const open = (offset: number) =>
    stream === 'stdout'
      ? api.executions.streamStdoutUpdates(devboxId, executionId, { offset }, options)
      : api.executions.streamStderrUpdates(devboxId, executionId, { offset }, options);
  return resumableSse(open, ExecutionUpdateChunk, from, {}, scheduler);
}

/**
 * Tagged lines of the chosen streams from `position`, merged in arrival order.
 *
 * @example
 * outputLines(api, 'dbx_1', 'exe_1', ['stdout', 'stderr']).subscribe((l) => console.log(l.stream, l.line));
 */
export function outputLines(
  api: RunloopApi,
  devboxId: string,
  executionId: string,
  streams: readonly OutputStream[],
  position: OutputPosition = {},
  options?: RequestOptions,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<OutputLine> {
  // Each stream's chunks are split straight into the one subscriber, which is what
  // `merge(...streams.map(chunks => chunks.pipe(splitLines())))` does with fewer calls per line.
  return new Observable<OutputLine>((subscriber) => {
    const subscriptions = new Subscription();
    let open = streams.length;
    if (open === 0) subscriber.complete();
    for (const stream of streams) {
      const from = position[stream] ?? 0;
      const lines = new LineSplitter(stream, from);
      subscriptions.add(
        outputChunks(api, devboxId, executionId, stream, from, options, scheduler).subscribe({
          next: (chunk) => lines.push(chunk, subscriber),
          error: (err: unknown) => subscriber.error(err),
          complete: () => {
            lines.end(subscriber);
            if (--open === 0) subscriber.complete();
          },
        }),
      );
      if (subscriber.closed) break;
    }
    return subscriptions;
  });
}

/**
 * A whole stream as one string, read from offset 0 to the end.
 *
 * @example
 * fullOutput(api, 'dbx_1', 'exe_1', 'stderr').subscribe((text) => console.error(text));
 */
export function fullOutput(
  api: RunloopApi,
  devboxId: string,
  executionId: string,
  stream: OutputStream,
  options?: RequestOptions,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<string> {
  return outputChunks(api, devboxId, executionId, stream, 0, options, scheduler).pipe(
    reduce((text, chunk) => text + chunk.output, ''),
  );
}
