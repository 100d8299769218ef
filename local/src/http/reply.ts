/**
 * Writes a handler's {@link Reply} to either protocol's response object.
 * Bodies are never compressed (the official client does not decompress
 * over HTTP/2) and streams are piped, never buffered whole.
 */
import { pipeline } from 'node:stream/promises';
import type { AnyResponse } from './listener.js';
import { closedEarly } from './request-signals.js';
import { toErrorReply } from './errors.js';
import type { Reply, SseEvent } from './route.js';

type Headers = Record<string, string | number>;

function head(res: AnyResponse, status: number, headers: Headers): void {
  if (res.headersSent) return;
  (res as { writeHead(status: number, headers: Headers): unknown }).writeHead(status, headers);
}

/**
 * Writes a JSON body with the given status and headers.
 *
 * @example
 * writeJson(res, 404, { error: 'not_found', message: 'no such route' });
 */
export function writeJson(res: AnyResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) ?? 'null';
  head(res, status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Formats one SSE event: `event:` line, one `data:` line per data line, blank line.
 *
 * @example
 * formatSse({ event: 'error', data: '{"code":"408"}' }) // 'event: error\ndata: {"code":"408"}\n\n'
 */
export function formatSse(event: SseEvent): string {
  const head = event.event === undefined ? '' : `event: ${event.event}\n`;
  // Output chunks are one JSON line: skip the split on the hot path (and the scan where the producer vouches).
  if (event.ascii === true || (event.data.indexOf('\n') === -1 && event.data.indexOf('\r') === -1))
    return `${head}data: ${event.data}\n\n`;
  return `${head}${event.data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

/**
 * Waits until `res` drains, closes or errors, or `signal` aborts. Every
 * listener goes again once one fires: a long SSE stream waits here per
 * event, and leftovers would pile up (MaxListenersExceededWarning).
 */
function settled(res: NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      res.off('drain', done);
      res.off('close', done);
      res.off('error', failed);
      signal.removeEventListener('abort', done);
    };
    const done = (): void => {
      cleanup();
      resolve();
    };
    const failed = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    if (signal.aborted) return resolve();
    res.on('drain', done);
    res.on('close', done);
    res.on('error', failed);
    signal.addEventListener('abort', done);
  });
}

async function write(
  res: AnyResponse,
  chunk: string,
  signal: AbortSignal,
  encoding: 'utf8' | 'latin1' = 'utf8',
): Promise<void> {
  if ((res as { write(c: string, e: BufferEncoding): boolean }).write(chunk, encoding)) return;
  if (res.destroyed) return;
  await settled(res as NodeJS.EventEmitter, signal);
}

async function writeSse(res: AnyResponse, events: AsyncIterable<SseEvent>, signal: AbortSignal): Promise<void> {
  head(res, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // Send the headers now: the client's request timeout covers only time-to-headers.
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  const iterator = events[Symbol.asyncIterator]();
  // A client that goes away while we wait for the next event must still stop the producer.
  const onAbort = (): void => void iterator.return?.()?.catch?.(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      // A response destroyed under us (client gone, no abort yet) ends the stream too.
      if (signal.aborted || res.destroyed) return;
      const next = await iterator.next();
      if (next.done === true || signal.aborted) return;
      await write(res, formatSse(next.value), signal, next.value.ascii === true ? 'latin1' : 'utf8');
    }
  } catch (error) {
    if (signal.aborted) return;
    // After the headers the status is sent; the SSE way to fail is an `error`
    // event whose code the client maps to an APIError (408 makes it resume).
    const reply = toErrorReply(error);
    if (reply.bug) throw error;
    const data = JSON.stringify({ code: String(reply.status), message: reply.body.message });
    await write(res, formatSse({ event: 'error', data }), signal).catch(() => undefined);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}

/**
 * Writes `reply`; resolves when the response is finished (or the client left).
 *
 * @example
 * await writeReply(res, json({ ok: true }), signal);
 */
export async function writeReply(res: AnyResponse, reply: Reply, signal: AbortSignal): Promise<void> {
  switch (reply.kind) {
    case 'json':
      writeJson(res, reply.status ?? 200, reply.body, reply.headers);
      return;
    case 'text': {
      const body = Buffer.from(reply.body, 'utf8');
      head(res, reply.status ?? 200, {
        'content-type': reply.contentType ?? 'text/plain; charset=utf-8',
        'content-length': body.length,
      });
      res.end(body);
      return;
    }
    case 'empty':
      head(res, reply.status, {});
      res.end();
      return;
    case 'stream': {
      const headers: Headers = { 'content-type': reply.contentType };
      const { range } = reply;
      if (range !== undefined) {
        headers['content-range'] = `bytes ${range.start}-${range.end}/${range.size}`;
        headers['content-length'] = range.end - range.start + 1;
      } else if (reply.contentLength !== undefined) headers['content-length'] = reply.contentLength;
      head(res, range !== undefined ? 206 : (reply.status ?? 200), headers);
      try {
        await pipeline(reply.body, res as NodeJS.WritableStream, { signal });
      } catch (error) {
        reply.body.destroy();
        if (!signal.aborted) res.destroy(error as Error);
      }
      return;
    }
    case 'sse':
      await writeSse(res, reply.events, signal);
      return;
    default:
      throw new Error(`handler returned an unknown reply kind: ${String((reply as { kind?: unknown }).kind)}`);
  }
}

/** Resolves true once `res` finished (handed to the OS), false if it closed first. */
function finished(res: AnyResponse): Promise<boolean> {
  if (res.writableFinished || res.destroyed) return Promise.resolve(!closedEarly(res));
  return new Promise((resolve) => {
    const emitter = res as NodeJS.EventEmitter;
    const onFinish = (): void => {
      emitter.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      emitter.off('finish', onFinish);
      resolve(!closedEarly(res));
    };
    emitter.once('finish', onFinish);
    emitter.once('close', onClose);
  });
}

/**
 * Writes `reply` and says whether the client can have received it: the
 * whole response was handed to the OS and the request was not cancelled
 * (an HTTP/2 stream reset also "finishes" the compat response).
 *
 * @example
 * if (await deliverReply(res, reply, signal)) store(reply);
 */
export async function deliverReply(res: AnyResponse, reply: Reply, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  await writeReply(res, reply, signal);
  return (await finished(res)) && !signal.aborted;
}
