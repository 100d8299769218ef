/**
 * Server-Sent Events decoding (runloop-api.md §7) as an operator from byte
 * chunks to messages. UTF-8 sequences and line endings may be split across
 * chunks; the decoder carries both across.
 *
 * Bytes are split into lines before they are decoded: `\r` and `\n` never
 * occur inside a multi-byte UTF-8 sequence, so every complete line decodes
 * on its own. That lets `Buffer.indexOf` (memchr) find line ends and an
 * ASCII line (the usual JSON `data:` line) decode as latin1, several times
 * faster than a streaming TextDecoder followed by a regex over the text.
 * Those Node fast paths come from `bytes.ts`; in a browser the same code runs
 * on plain `Uint8Array`s and a `TextDecoder`.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { asciiText, concatBytes, copyBytes, scanView } from './bytes.js';
import type { SseMessage } from './request.js';

const LF = 10;
const CR = 13;

/**
 * Incremental SSE decoder for one stream. Feed it bytes (`pushBytes`) or
 * text (`push`), not both; it returns the messages completed by what it was
 * fed. Exposed for tests and for servers.
 *
 * @example
 * const decoder = new SseDecoder();
 * decoder.push('data: a\n\n'); // [{ event: undefined, data: 'a' }]
 * decoder.pushBytes(new TextEncoder().encode('data: b\n\n')); // [{ event: undefined, data: 'b' }]
 */
export class SseDecoder {
  private partial = '';
  // Bytes of the line not yet terminated (copies: the caller may reuse its chunks).
  private partialBytes: Uint8Array[] = [];
  // A chunk ending in '\r' may be half of '\r\n'; the '\n' must then not end another line.
  private skipLeadingLf = false;
  // A BOM may start the byte stream only (TextDecoder semantics): checked on the first line.
  private firstLine = true;
  // Only for lines with non-ASCII bytes: ICU's decoder beats Buffer#toString on those.
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private event: string | undefined;
  private data: string[] = [];
  private hasFields = false;

  /** Feeds decoded text; returns the messages that ended in it. */
  push(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let start = this.startAfterCr(text.length > 0 ? text.charCodeAt(0) : -1);
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      const line = this.partial + text.slice(start, end);
      this.partial = '';
      start = this.afterTerminator(end, text.length, end === cr, text.charCodeAt(end + 1) === LF);
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      this.line(line, out);
    }
    this.partial += text.slice(start);
    return out;
  }

  /** Feeds raw UTF-8 bytes; returns the messages that ended in them. */
  pushBytes(chunk: Uint8Array): SseMessage[] {
    const out: SseMessage[] = [];
    const bytes = scanView(chunk);
    let start = this.startAfterCr(bytes.length > 0 ? (bytes[0] as number) : -1);
    let lf = bytes.indexOf(LF, start);
    let cr = bytes.indexOf(CR, start);
    while (lf !== -1 || cr !== -1) {
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      let line: string;
      if (this.partialBytes.length === 0) line = this.decode(bytes.subarray(start, end));
      else {
        this.partialBytes.push(bytes.subarray(start, end));
        line = this.decode(concatBytes(this.partialBytes));
        this.partialBytes = [];
      }
      if (this.firstLine) {
        this.firstLine = false;
        if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
      }
      start = this.afterTerminator(end, bytes.length, end === cr, bytes[end + 1] === LF);
      if (lf !== -1 && lf < start) lf = bytes.indexOf(LF, start);
      if (cr !== -1 && cr < start) cr = bytes.indexOf(CR, start);
      this.line(line, out);
    }
    if (start < bytes.length) this.partialBytes.push(copyBytes(bytes.subarray(start)));
    return out;
  }

  /** Decodes one complete line; broken sequences become U+FFFD, as a TextDecoder makes them. */
  private decode(line: Uint8Array): string {
    const ascii = asciiText(line);
    if (ascii !== undefined) return ascii;
    // `stream: true` takes ICU's faster path; the flush turns a sequence cut at the line end into U+FFFD.
    return this.utf8.decode(line, { stream: true }) + this.utf8.decode();
  }

  /** Where scanning starts in a new chunk: past a '\n' that completes a '\r\n' split across chunks. */
  private startAfterCr(firstUnit: number): number {
    if (!this.skipLeadingLf || firstUnit === -1) return 0;
    this.skipLeadingLf = false;
    return firstUnit === LF ? 1 : 0;
  }

  /** Index after the line terminator at `end`; remembers a '\r' that ends the chunk. */
  private afterTerminator(end: number, length: number, isCr: boolean, nextIsLf: boolean): number {
    if (isCr && nextIsLf) return end + 2;
    if (isCr && end + 1 === length) this.skipLeadingLf = true;
    return end + 1;
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
      const decoder = new SseDecoder();
      return source.subscribe({
        next: (chunk) => {
          for (const message of decoder.pushBytes(chunk)) subscriber.next(message);
        },
        error: (err: unknown) => subscriber.error(err),
        // Bytes after the last line end belong to an unterminated line, hence to a discarded event.
        complete: () => subscriber.complete(),
      });
    });
}
