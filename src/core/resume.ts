/**
 * Resuming a download whose connection dropped mid-body: the `Range`
 * request that asks for the rest, and the check that what came back is the
 * rest of the same content (RFC 9110 §14), so a file that changed in between
 * fails instead of being spliced into corrupt data.
 */
import { RunloopError, brandErrorClass } from './errors.js';
import type { HttpResponse } from './http.js';

/**
 * A download could not be resumed because the content changed (or the
 * server would not answer the range): the bytes already emitted belong to
 * another version. Not retryable.
 *
 * @example
 * if (err instanceof DownloadResumeError) console.error(`changed after ${err.receivedBytes} bytes`);
 */
export class DownloadResumeError extends RunloopError {
  static {
    brandErrorClass(this, 'DownloadResumeError');
  }
  override readonly code: string = 'RUNLOOP_DOWNLOAD_RESUME';
  constructor(
    message: string,
    /** Bytes received (and emitted) before the resume failed. */
    readonly receivedBytes: number,
  ) {
    super(message);
  }
}

/**
 * What the first response of a download said about its content: its total
 * size and a validator (a strong `ETag`, else `Last-Modified`) for `If-Range`.
 *
 * @example
 * const identity: ContentIdentity = { totalBytes: 1024, validator: '"v1"' };
 */
export interface ContentIdentity {
  readonly totalBytes: number | undefined;
  readonly validator: string | undefined;
}

function parseLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/**
 * Reads the identity of a download from its first (200 or 206) response.
 *
 * @example
 * identityOf({ status: 200, headers: { 'content-length': '10', etag: '"a"' }, body }); // { totalBytes: 10, validator: '"a"' }
 */
export function identityOf(res: HttpResponse): ContentIdentity {
  const etag = res.headers['etag'];
  const strongEtag = etag !== undefined && !etag.startsWith('W/') ? etag : undefined;
  const range = res.status === 206 ? parseContentRange(res.headers['content-range']) : undefined;
  return {
    totalBytes: range?.total ?? parseLength(res.headers['content-length']),
    validator: strongEtag ?? res.headers['last-modified'],
  };
}

/**
 * The headers that ask for the bytes from `receivedBytes` on, only if the
 * content is still the one identified (`If-Range`).
 *
 * @example
 * resumeHeaders(100, { totalBytes: 1000, validator: '"a"' }); // { range: 'bytes=100-', 'if-range': '"a"' }
 */
export function resumeHeaders(receivedBytes: number, identity: ContentIdentity): Record<string, string> {
  return {
    range: `bytes=${receivedBytes}-`,
    ...(identity.validator !== undefined ? { 'if-range': identity.validator } : {}),
  };
}

interface ContentRange {
  readonly start: number;
  readonly end: number;
  readonly total: number | undefined;
}

function parseContentRange(value: string | undefined): ContentRange | undefined {
  const match = value === undefined ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (match === null) return undefined;
  const [, start = '', end = '', total = ''] = match;
  return { start: Number(start), end: Number(end), total: total === '*' ? undefined : Number(total) };
}

/**
 * Checks that `res` (the answer to {@link resumeHeaders}) carries exactly
 * the rest of the identified content; throws {@link DownloadResumeError}
 * otherwise: a 200 (the server sent the whole, maybe changed, content), a
 * range that starts elsewhere, or another total size.
 *
 * @example
 * checkResumed({ status: 206, headers: { 'content-range': 'bytes 100-999/1000' }, body }, 100, identity);
 */
export function checkResumed(res: HttpResponse, receivedBytes: number, identity: ContentIdentity): void {
  const fail = (why: string): never => {
    throw new DownloadResumeError(`Cannot resume the download after ${receivedBytes} bytes: ${why}`, receivedBytes);
  };
  if (res.status !== 206)
    fail(`the server answered ${res.status} instead of 206 (the content changed or ranges are not supported)`);
  const range = parseContentRange(res.headers['content-range']);
  if (range === undefined) fail(`unreadable Content-Range ${JSON.stringify(res.headers['content-range'] ?? null)}`);
  const { start, total } = range as ContentRange;
  if (start !== receivedBytes) fail(`the server resumed at byte ${start}`);
  if (identity.totalBytes !== undefined && total !== undefined && total !== identity.totalBytes) {
    fail(`the content is now ${total} bytes, was ${identity.totalBytes}`);
  }
  const etag = res.headers['etag'];
  if (
    identity.validator?.startsWith('"') === true &&
    etag !== undefined &&
    !etag.startsWith('W/') &&
    etag !== identity.validator
  ) {
    fail(`the content's ETag changed from ${identity.validator} to ${etag}`);
  }
}
