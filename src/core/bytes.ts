/**
 * Byte helpers that run in Node and in browsers. Node's `Buffer` is reached
 * through `process.getBuiltinModule` rather than an import, so browser
 * bundles never see a Node built-in; when it is there (Node), the fast paths
 * (memchr `indexOf`, latin1 decoding, `isAscii`) are used, and plain
 * `Uint8Array` + `TextDecoder`/`TextEncoder` otherwise.
 */

interface NodeBufferModule {
  readonly Buffer: typeof Buffer;
  readonly isAscii: (input: Uint8Array) => boolean;
}

type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown } | undefined;

const nodeBuffer = ((globalThis as { process?: ProcessWithBuiltins }).process?.getBuiltinModule?.('node:buffer') ??
  undefined) as NodeBufferModule | undefined;

const encoder = new TextEncoder();

/** `bytes` as a Buffer without copying; a Buffer already (the usual case on the hot path) is used as is. */
function asNodeBuffer(node: NodeBufferModule, bytes: Uint8Array): Buffer {
  return node.Buffer.isBuffer(bytes) ? bytes : node.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Number of UTF-8 bytes of `text`.
 *
 * @example
 * utf8Length('hé'); // 3
 */
export function utf8Length(text: string): number {
  if (nodeBuffer !== undefined) return nodeBuffer.Buffer.byteLength(text, 'utf8');
  // Pure ASCII (the common case) needs no encoding.
  if (!/[^\x00-\x7f]/.test(text)) return text.length;
  return encoder.encode(text).byteLength;
}

/**
 * One `Uint8Array` holding `chunks` in order (`size`: their total length, if known).
 *
 * @example
 * concatBytes([new Uint8Array([1]), new Uint8Array([2])]); // Uint8Array [1, 2]
 */
export function concatBytes(chunks: readonly Uint8Array[], size?: number): Uint8Array {
  if (nodeBuffer !== undefined) return nodeBuffer.Buffer.concat(chunks, size);
  const out = new Uint8Array(size ?? chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * A view of `chunk` best suited to scanning (a `Buffer` in Node, for memchr `indexOf`); shares memory.
 *
 * @example
 * const bytes = scanView(chunk); bytes.indexOf(10);
 */
export function scanView(chunk: Uint8Array): Uint8Array {
  return nodeBuffer === undefined ? chunk : asNodeBuffer(nodeBuffer, chunk);
}

/**
 * An independent copy of `bytes` (the caller may reuse its chunk afterwards).
 *
 * @example
 * partial.push(copyBytes(bytes.subarray(start)));
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return nodeBuffer !== undefined ? nodeBuffer.Buffer.from(bytes) : new Uint8Array(bytes);
}

/**
 * `bytes` as a string when they are all ASCII and a fast path exists (Node); otherwise `undefined`.
 *
 * @example
 * const text = asciiText(line) ?? new TextDecoder().decode(line);
 */
export function asciiText(bytes: Uint8Array): string | undefined {
  if (nodeBuffer === undefined || !nodeBuffer.isAscii(bytes)) return undefined;
  return asNodeBuffer(nodeBuffer, bytes).toString('latin1');
}

/**
 * `bytes` decoded as UTF-8 (broken sequences become U+FFFD).
 *
 * @example
 * utf8Text(new Uint8Array([104, 105])); // 'hi'
 */
export function utf8Text(bytes: Uint8Array): string {
  if (nodeBuffer !== undefined) return asNodeBuffer(nodeBuffer, bytes).toString('utf8');
  return new TextDecoder().decode(bytes);
}

/** Characters per piece of {@link utf8Pieces}: at most 3 MB of UTF-8 each. */
const UTF8_PIECE_CHARS = 1024 * 1024;

/**
 * `text` as UTF-8, encoded a piece at a time (a surrogate pair is never
 * split between pieces). Encoding a large string in one go allocates one buffer of its whole
 * size, and fresh memory that large costs more to fault in than the encoding
 * itself; pieces reuse the same few MB, and the whole is never held twice.
 *
 * @example
 * for (const piece of utf8Pieces(text)) socket.write(piece);
 */
export function* utf8Pieces(text: string, pieceChars: number = UTF8_PIECE_CHARS): Generator<Uint8Array> {
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + pieceChars, text.length);
    // A high surrogate last would be cut from its pair (and encoded as U+FFFD): the pair goes whole.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    const piece = text.slice(start, end);
    yield nodeBuffer !== undefined ? nodeBuffer.Buffer.from(piece, 'utf8') : encoder.encode(piece);
    start = end;
  }
}

/**
 * A random UUID (v4): `crypto.randomUUID` where the context has it (Node,
 * secure browser pages), else built from `crypto.getRandomValues`, which
 * every browser page has.
 *
 * @example
 * randomUuid(); // '3b241101-e2bb-4255-8caf-4136c566a962'
 */
export function randomUuid(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
