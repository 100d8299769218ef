/**
 * Server-Sent Events decoding (runloop-api.md §7) as an operator from byte
 * chunks to messages. UTF-8 sequences and line endings may be split across
 * chunks; the decoder carries both across.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { SseMessage } from './request.js';

/**
 * Incremental SSE decoder for one stream. Feed it text; it returns the
 * messages completed by that text. Exposed for tests and for servers.
 *
 * @example
 * const decoder = new SseDecoder();
 * decoder.push('data: a\n\n'); // [{ event: undefined, data: 'a' }]
 */
export class SseDecoder {
  private partial = '';
  // A chunk ending in '\r' may be half of '\r\n'; the '\n' must then not end another line.
  private skipLeadingLf = false;
  private event: string | undefined;
  private data: string[] = [];
  private hasFields = false;

  /** Feeds decoded text; returns the messages that ended in it. */
  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let start = 0;
    if (this.skipLeadingLf && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1;
      this.skipLeadingLf = false;
    }
    const eol = /\r\n|\r|\n/g;
    eol.lastIndex = start;
    for (let match = eol.exec(text); match !== null; match = eol.exec(text)) {
      const line = this.partial + text.slice(start, match.index);
      this.partial = '';
      start = match.index + match[0].length;
      if (match[0] === '\r' && start === text.length) this.skipLeadingLf = true;
      this.line(line, out);
    }
    this.partial += text.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line.length === 0) {
      if (this.hasFields) out.push({ event: this.event, data: this.data.join('\n') });
      this.event = undefined;
      this.data = [];
      this.hasFields = false;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.hasFields = true;
    } else if (field === 'event') {
      this.event = value;
      this.hasFields = true;
    }
    // `id`, `retry` and unknown fields are ignored (§7).
  }
}

/**
 * Parses a body of byte chunks into SSE messages. A leading BOM is dropped;
 * an event left unterminated when the body ends is discarded (it may be cut).
 *
 * @example
 * res.body.pipe(parseSse()).subscribe((msg) => console.log(msg.event, msg.data));
 */
export function parseSse(): OperatorFunction<Uint8Array, SseMessage> {
  return (source) =>
    new Observable<SseMessage>((subscriber) => {
      // TextDecoder strips one leading BOM and, with `stream: true`, keeps split UTF-8 sequences.
      const text = new TextDecoder('utf-8');
      const decoder = new SseDecoder();
      return source.subscribe({
        next: (chunk) => {
          for (const message of decoder.push(text.decode(chunk, { stream: true }))) subscriber.next(message);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          for (const message of decoder.push(text.decode())) subscriber.next(message);
          subscriber.complete();
        },
      });
    });
}
