import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, startDevboxServer } from '../devboxes/helpers.js';
import { openStream, sseEvents } from './sse-client.js';

interface Chunk {
  output: string;
  offset: number;
}

describe('execution output streams (SSE)', () => {
  let server: TestServer;
  let box: { id: string };
  const idleBefore = process.env.RUNLOOP_LOCAL_STREAM_IDLE_MS;
  beforeAll(async () => {
    process.env.RUNLOOP_LOCAL_STREAM_IDLE_MS = '1000';
    server = await startDevboxServer();
    box = await createRunning(server);
  });
  afterAll(async () => {
    if (idleBefore === undefined) delete process.env.RUNLOOP_LOCAL_STREAM_IDLE_MS;
    else process.env.RUNLOOP_LOCAL_STREAM_IDLE_MS = idleBefore;
    await server?.dispose();
  });

  const read = async (executionId: string, name: 'stdout' | 'stderr', offset: number, stopAfter = Infinity) => {
    const controller = new AbortController();
    const res = await openStream(server.url, server.token, box.id, executionId, name, offset, controller.signal);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const chunks: Chunk[] = [];
    const errors: string[] = [];
    for await (const event of sseEvents(res)) {
      if (event.event === 'error') errors.push(event.data);
      else chunks.push(JSON.parse(event.data) as Chunk);
      if (chunks.length >= stopAfter) break;
    }
    controller.abort();
    return { chunks, errors };
  };

  it('follows a running command, then resumes from an offset with no loss and no repeat, across multi-byte characters', async () => {
    // Every write ends inside a 3-byte character (printf of raw bytes), across separate writes.
    const script = 'for i in $(seq 1 40); do printf "line $i \\342\\202"; sleep 0.02; printf "\\254\\n"; done';
    const started = await server.request('POST', `/v1/devboxes/${box.id}/execute_async`, { command: script });
    const id = started.json.execution_id;
    const first = await read(id, 'stdout', 0, 5);
    expect(first.chunks).toHaveLength(5);
    const resumeAt = first.chunks[4]!.offset;
    const rest = await read(id, 'stdout', resumeAt);
    const text = [...first.chunks, ...rest.chunks].map((c) => c.output).join('');
    const expected = Array.from({ length: 40 }, (_, i) => `line ${i + 1} €\n`).join('');
    expect(text).toBe(expected);
    expect(text).not.toContain('\uFFFD');
    // The stream closed by itself once the command completed and everything was sent.
    expect(rest.errors).toEqual([]);
    expect(rest.chunks.at(-1)!.offset).toBe(Buffer.byteLength(expected));
  });

  it('reads a completed output from 0, from the middle, and waits past the end', async () => {
    const view = await exec(server, box.id, 'printf abcdef; printf err >&2');
    const all = await read(view.execution_id, 'stdout', 0);
    expect(all.chunks.map((c) => c.output).join('')).toBe('abcdef');
    expect((await read(view.execution_id, 'stdout', 4)).chunks).toEqual([{ output: 'ef', offset: 6 }]);
    expect((await read(view.execution_id, 'stderr', 0)).chunks).toEqual([{ output: 'err', offset: 3 }]);
    expect((await read(view.execution_id, 'stdout', 100)).chunks).toEqual([]);
  });

  it('ends an idle stream with an error event 408 that the client resumes from', async () => {
    const started = await server.request('POST', `/v1/devboxes/${box.id}/execute_async`, {
      command: 'echo before; sleep 2.5; echo after',
    });
    const id = started.json.execution_id;
    const idle = await read(id, 'stdout', 0);
    expect(idle.chunks).toEqual([{ output: 'before\n', offset: 7 }]);
    expect(idle.errors).toHaveLength(1);
    expect(JSON.parse(idle.errors[0]!)).toMatchObject({ code: '408' });
    // Resume like the client does: from the last offset, again after each 408.
    let offset = 7;
    let text = '';
    for (let attempt = 0; attempt < 10; attempt++) {
      const resumed = await read(id, 'stdout', offset);
      text += resumed.chunks.map((c) => c.output).join('');
      offset = resumed.chunks.at(-1)?.offset ?? offset;
      if (resumed.errors.length === 0) break;
    }
    expect(text).toBe('after\n');
  });

  it('serves a 50 MB output after the end from offset 0 with flat server memory', async () => {
    const size = 50_000_000;
    const view = await exec(server, box.id, `yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${size}`);
    expect(view.exit_status).toBe(0);
    expect(view.stdout_truncated).toBe(true);
    const before = process.memoryUsage().rss;
    let peak = before;
    let bytes = 0;
    let last = 0;
    let chunks = 0;
    const res = await openStream(server.url, server.token, box.id, view.execution_id, 'stdout', 0);
    for await (const event of sseEvents(res)) {
      const chunk = JSON.parse(event.data) as Chunk;
      bytes += Buffer.byteLength(chunk.output);
      expect(chunk.offset).toBe(bytes);
      expect(Buffer.byteLength(chunk.output)).toBeLessThanOrEqual(64 * 1024);
      last = chunk.offset;
      if (++chunks % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(bytes).toBe(size);
    expect(last).toBe(size);
    // Loose bound: the whole output would add ≥ 50 MB (and ~100 MB as a JS string).
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);
  });
});
