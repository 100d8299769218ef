import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyResponse } from '../../src/http/listener.js';
import { writeReply } from '../../src/http/reply.js';
import type { SseEvent } from '../../src/http/route.js';

/**
 * A response whose every write hits backpressure (highWaterMark 1), draining
 * a tick later: each SSE event then waits for `drain`.
 */
class SlowResponse extends Writable {
  headersSent = false;
  readonly received: string[] = [];
  constructor() {
    super({ highWaterMark: 1, decodeStrings: false });
  }
  writeHead(): this {
    this.headersSent = true;
    return this;
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received.push(String(chunk));
    setImmediate(callback);
  }
}

async function* events(count: number): AsyncIterable<SseEvent> {
  for (let i = 0; i < count; i += 1) yield { data: `event ${i}` };
}

const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('SSE under backpressure', () => {
  it('streams many backpressured events without leaving listeners behind', async () => {
    process.on('warning', onWarning);
    const res = new SlowResponse();
    const baseline = {
      close: res.listenerCount('close'),
      error: res.listenerCount('error'),
      drain: res.listenerCount('drain'),
    };
    const controller = new AbortController();
    await writeReply(res as unknown as AnyResponse, { kind: 'sse', events: events(200) }, controller.signal);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(res.received.filter((c) => c.startsWith('data: ')).length).toBe(200);
    expect(res.received.at(-1)).toBe('data: event 199\n\n');
    expect(res.listenerCount('close')).toBeLessThanOrEqual(baseline.close);
    expect(res.listenerCount('error')).toBeLessThanOrEqual(baseline.error);
    expect(res.listenerCount('drain')).toBeLessThanOrEqual(baseline.drain);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('stops waiting for drain when the request is aborted', async () => {
    const res = new SlowResponse();
    // Never drains: the only way out of the first backpressured write is the abort.
    res._write = () => undefined;
    const controller = new AbortController();
    let produced = 0;
    async function* endless(): AsyncIterable<SseEvent> {
      for (;;) {
        produced += 1;
        yield { data: 'x'.repeat(16) };
      }
    }
    const done = writeReply(res as unknown as AnyResponse, { kind: 'sse', events: endless() }, controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await done;
    expect(produced).toBe(1);
    expect(res.listenerCount('drain')).toBe(0);
  });
});
