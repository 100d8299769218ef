import { Observable, type OperatorFunction } from 'rxjs';
import type { ExecutionUpdateChunk } from '../../api/views/execution.js';
import { utf8Length } from '../../core/bytes.js';
import type { OutputLine, OutputStream } from '../output.js';

/**
 * Splits output chunks into tagged lines, correctly across chunk boundaries.
 *
 * - `\n` ends a line; a `\r` right before it is dropped (`\r\n`), also when
 *   the two arrive in different chunks.
 * - Each line's `offset` is the stream byte position after its terminator, so
 *   a consumer can resume right after it.
 * - A partial final line is emitted when the source completes (not when it
 *   errors: the rest of that line may still come after a resume).
 * - Chunks without an `offset` are assumed to follow the previous one.
 *
 * @param stream the tag for every emitted line.
 * @param startOffset the byte position the first chunk starts at when it
 *   carries no offset (e.g. the offset a resumed stream was asked for).
 * @example
 * chunks$.pipe(splitLines('stdout')).subscribe(({ line, offset }) => console.log(offset, line));
 */
export function splitLines(stream: OutputStream, startOffset = 0): OperatorFunction<ExecutionUpdateChunk, OutputLine> {
  return (source) =>
    new Observable<OutputLine>((subscriber) => {
      // Per-subscription state: the unterminated tail and the byte position after it.
      let pending = '';
      let position = startOffset;
      return source.subscribe({
        next(chunk) {
          const { output } = chunk;
          const bytes = utf8Length(output);
          const end = typeof chunk.offset === 'number' ? chunk.offset : position + bytes;
          // Byte position where this chunk starts; positions inside it are counted up from here.
          const start = end - bytes;
          // Pure ASCII (the common case): byte offsets equal string indexes, no per-line byte counting.
          const ascii = bytes === output.length;
          let cursor = start;
          let from = 0;
          let newline = output.indexOf('\n', from);
          while (newline !== -1) {
            const segment = output.slice(from, newline);
            cursor = ascii ? start + newline + 1 : cursor + utf8Length(segment) + 1;
            let line = pending === '' ? segment : pending + segment;
            pending = '';
            if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
            subscriber.next({ stream, line, offset: cursor });
            if (subscriber.closed) return;
            from = newline + 1;
            newline = output.indexOf('\n', from);
          }
          pending = pending === '' ? output.slice(from) : pending + output.slice(from);
          position = end;
        },
        error(err: unknown) {
          subscriber.error(err);
        },
        complete() {
          if (pending !== '') {
            const line = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
            pending = '';
            subscriber.next({ stream, line, offset: position });
          }
          subscriber.complete();
        },
      });
    });
}
