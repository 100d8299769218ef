/**
 * `multipart/form-data` (RFC 7578) for the Node transport, streamed, with
 * its length known up front. undici's own encoder (through its `Response`)
 * gives no length (so the body goes chunked) and copies every chunk of a
 * file part into a new array (`new Uint8Array(chunk)`): for a 100 MB upload
 * that is 100 MB of garbage and most of the client's CPU. Here a file part
 * is its Blob's own stream, and the text around it is a few bytes.
 */
import { randomUuid } from './bytes.js';
import type { StreamingBody } from './http.js';

const encoder = new TextEncoder();
const CRLF = encoder.encode('\r\n');

/** A form's entries as the encoder sees them: text fields and files. */
type FormEntries = Iterable<[string, string | File]>;

/** Names and filenames are quoted strings: the characters that would end or break one are percent-escaped (as browsers do). */
function quoted(value: string): string {
  return value.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}

/** A text field's line breaks are sent as CRLF (as browsers do). */
function crlfLines(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\r\n');
}

/**
 * A multipart body of `form` and its `Content-Type` (with the boundary).
 * `open` streams it once per call (the files are read anew each time).
 *
 * @example
 * const { contentType, body } = multipartBody(form); // body.length: the exact byte count
 */
export function multipartBody(form: FormEntries): { readonly contentType: string; readonly body: StreamingBody } {
  const boundary = `----runloop-rx-${randomUuid()}`;
  const parts: Array<Uint8Array | Blob> = [];
  for (const [name, value] of form) {
    const disposition = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`;
    if (typeof value === 'string') {
      parts.push(encoder.encode(`${disposition}\r\n\r\n${crlfLines(value)}\r\n`));
      continue;
    }
    const type = value.type === '' ? 'application/octet-stream' : value.type;
    parts.push(encoder.encode(`${disposition}; filename="${quoted(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`));
    parts.push(value, CRLF);
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const length = parts.reduce((sum, part) => sum + (part instanceof Blob ? part.size : part.byteLength), 0);
  async function* open(): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      if (part instanceof Blob) yield* part.stream() as unknown as AsyncIterable<Uint8Array>;
      else yield part;
    }
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: { open, length, replayable: false } };
}
