/**
 * The answer to an HTTP/1.1 request that node's parser refused before it
 * became a request (malformed, or head over `maxHeaderSize`, 16 KiB). Node's
 * default is to reset the socket, which a client sees as ECONNRESET and may
 * retry forever; a status with a JSON body says what is wrong instead.
 */
import type { ErrorBody } from './route.js';

/** Beyond this, an overflowing head is blamed on the request target (414), not on the headers (431). */
const LONG_TARGET = 8 * 1024;

/**
 * A status line, headers and JSON body, ready to write on the raw socket.
 *
 * @example
 * socket.end(clientErrorResponse(error));
 */
export function clientErrorResponse(error: { readonly code?: string; readonly rawPacket?: unknown }): string {
  const [status, reason, body] = classify(error);
  const text = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
    `x-should-retry: false\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`
  );
}

function classify(error: { readonly code?: string; readonly rawPacket?: unknown }): [number, string, ErrorBody] {
  if (error.code !== 'HPE_HEADER_OVERFLOW') {
    return [400, 'Bad Request', { error: 'invalid_request', message: 'malformed HTTP request' }];
  }
  const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0);
  const lineEnd = packet.indexOf('\r\n');
  const firstLine = lineEnd === -1 ? packet.length : lineEnd;
  if (firstLine > LONG_TARGET || packet.length === 0) {
    return [
      414,
      'URI Too Long',
      { error: 'uri_too_long', message: 'the request target is longer than the server accepts (16 KiB with headers)' },
    ];
  }
  return [
    431,
    'Request Header Fields Too Large',
    { error: 'headers_too_large', message: 'the request headers are larger than the server accepts (16 KiB)' },
  ];
}
