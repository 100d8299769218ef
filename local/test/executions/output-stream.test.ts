import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedOutput, OutputLog, RECENT_BYTES } from '../../src/executions/output-log.js';
import { outputEvents } from '../../src/executions/output-stream.js';
import type { SseEvent } from '../../src/http/route.js';

interface Chunk {
  output: string;
  offset: number;
}

async function collect(events: AsyncIterable<SseEvent>): Promise<{ chunks: Chunk[]; errors: SseEvent[] }> {
  const chunks: Chunk[] = [];
  const errors: SseEvent[] = [];
  for await (const e of events) {
    if (e.event === 'error') errors.push(e);
    else chunks.push(JSON.parse(e.data) as Chunk);
  }
  return { chunks, errors };
}

describe('outputEvents', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-out-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams a finished output from 0 and from an offset, ending after the last byte', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    await log.append(Buffer.from('hello\nworld\n'));
    await log.close();
    const all = await collect(outputEvents(log, 0));
    expect(all.chunks.map((c) => c.output).join('')).toBe('hello\nworld\n');
    expect(all.chunks.at(-1)?.offset).toBe(12);
    expect(all.errors).toEqual([]);
    const tail = await collect(outputEvents(await finishedOutput(join(dir, 'stdout')), 6));
    expect(tail.chunks).toEqual([{ output: 'world\n', offset: 12 }]);
    expect((await collect(outputEvents(log, 50))).chunks).toEqual([]);
  });

  it('marks ASCII chunks (their JSON is ASCII on one line) and decodes the others as UTF-8', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const parts = [
      Buffer.from('plain "quoted" \\ tab\t\r\n\u0001\n'),
      Buffer.from('é€\n'),
      Buffer.from([0x41, 0xff, 0x0a]),
    ];
    const events: SseEvent[] = [];
    const done = (async () => {
      for await (const e of outputEvents(log, 0)) events.push(e);
    })();
    for (const part of parts) {
      await log.append(part);
      // One chunk per append: wait until the reader took it.
      while (events.length < parts.indexOf(part) + 1) await new Promise((r) => setTimeout(r, 1));
    }
    await log.close();
    await done;
    expect(events.map((e) => e.ascii === true)).toEqual([true, false, false]);
    for (const e of events.filter((e) => e.ascii)) expect(/^[\x20-\x7e]*$/.test(e.data)).toBe(true);
    expect(events.map((e) => (JSON.parse(e.data) as Chunk).output)).toEqual([
      'plain "quoted" \\ tab\t\r\n\u0001\n',
      'é€\n',
      'A\uFFFD\n',
    ]);
  });

  it('follows a growing output and never splits a multi-byte character across chunks', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const text = '€😀é'.repeat(200);
    const bytes = Buffer.from(text);
    const events = outputEvents(log, 0, { maxChunkBytes: 7 });
    const done = collect(events);
    // Write in 5-byte pieces so most writes end mid-character.
    for (let i = 0; i < bytes.length; i += 5) await log.append(bytes.subarray(i, i + 5));
    await log.close();
    const { chunks } = await done;
    expect(chunks.every((c) => !c.output.includes('\uFFFD'))).toBe(true);
    expect(chunks.map((c) => c.output).join('')).toBe(text);
    expect(chunks.every((c) => Buffer.byteLength(c.output) <= 7)).toBe(true);
    // Each offset is the byte count up to the end of its chunk.
    let end = 0;
    for (const c of chunks) {
      end += Buffer.byteLength(c.output);
      expect(c.offset).toBe(end);
    }
  });

  it('cuts a finished output read in large blocks into bounded chunks on character boundaries', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    // Characters of 1 to 4 bytes, so chunk ends fall at every position within a character.
    const text = Array.from({ length: 500 }, (_, i) => ['a', 'é', '€', '😀'][i % 4]! + (i % 7 === 0 ? '\n' : '')).join(
      '',
    );
    await log.append(Buffer.from(text));
    await log.close();
    for (const maxChunkBytes of [4, 5, 6, 7, 64]) {
      const { chunks } = await collect(outputEvents(log, 0, { maxChunkBytes }));
      expect(chunks.map((c) => c.output).join('')).toBe(text);
      let end = 0;
      for (const c of chunks) {
        expect(c.output).not.toContain('\uFFFD');
        const size = Buffer.byteLength(c.output);
        expect(size).toBeGreaterThan(0);
        expect(size).toBeLessThanOrEqual(maxChunkBytes);
        end += size;
        expect(c.offset).toBe(end);
      }
    }
  });

  it('holds back a half-written character until the rest arrives, but sends a final broken one', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const euro = Buffer.from('€');
    await log.append(Buffer.concat([Buffer.from('ab'), euro.subarray(0, 2)]));
    const events = outputEvents(log, 0, { maxChunkBytes: 4 })[Symbol.asyncIterator]();
    expect(JSON.parse((await events.next()).value.data)).toEqual({ output: 'ab', offset: 2 });
    await log.append(Buffer.concat([euro.subarray(2), euro.subarray(0, 1)]));
    expect(JSON.parse((await events.next()).value.data)).toEqual({ output: '€', offset: 5 });
    await log.close();
    // The output ended inside a character: it is sent as is (decoded as U+FFFD) rather than never.
    expect(JSON.parse((await events.next()).value.data)).toEqual({ output: '\uFFFD', offset: 6 });
    expect((await events.next()).done).toBe(true);
  });

  it('resumes from any chunk offset with no loss and no repeat', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const text = Array.from({ length: 300 }, (_, i) => `line ${i} ✓\n`).join('');
    await log.append(Buffer.from(text));
    await log.close();
    const first = await collect(outputEvents(log, 0, { maxChunkBytes: 100 }));
    const resumeAt = first.chunks[5]!;
    const rest = await collect(outputEvents(log, resumeAt.offset, { maxChunkBytes: 100 }));
    const upTo = first.chunks
      .slice(0, 6)
      .map((c) => c.output)
      .join('');
    expect(upTo + rest.chunks.map((c) => c.output).join('')).toBe(text);
  });

  it('waits at an offset past the end until output arrives', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    await log.append(Buffer.from('abc'));
    const done = collect(outputEvents(log, 5));
    await log.append(Buffer.from('defgh'));
    await log.close();
    expect((await done).chunks).toEqual([{ output: 'fgh', offset: 8 }]);
  });

  it('sends a 408 error event and ends when no output arrives for the idle time', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    await log.append(Buffer.from('x'));
    const { chunks, errors } = await collect(outputEvents(log, 0, { idleMs: 30 }));
    expect(chunks).toEqual([{ output: 'x', offset: 1 }]);
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!.data)).toMatchObject({ code: '408' });
    await log.close();
  });

  it('stops waiting when the signal aborts', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const controller = new AbortController();
    const done = collect(outputEvents(log, 0, { signal: controller.signal, idleMs: 60_000 }));
    controller.abort();
    expect(await done).toEqual({ chunks: [], errors: [] });
    await log.close();
  });
});

describe('OutputLog writing', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends several chunks at once and tells readers the new size once', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const sizes: number[] = [];
    const sub = log.progress$.subscribe((p) => sizes.push(p.size));
    await log.appendAll([Buffer.from('ab'), Buffer.alloc(0), Buffer.from('cde')]);
    await log.appendAll([]);
    await log.close();
    sub.unsubscribe();
    expect(sizes).toEqual([0, 5, 5]);
    expect(await readFile(join(dir, 'stdout'), 'utf8')).toBe('abcde');
    await expect(log.appendAll([Buffer.from('x')])).rejects.toThrow(/already closed/);
  });

  it('reads every range alike, whether the latest append still holds it or only the disk does', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const reader = await log.open();
    await log.append(Buffer.from('0123456789'));
    await log.appendAll([Buffer.from('abc'), Buffer.from('def')]);
    const disk = await readFile(join(dir, 'stdout'));
    for (const [start, end] of [
      [10, 16],
      [12, 15],
      [0, 16],
      [8, 12],
      [0, 10],
      [16, 16],
      [14, 20],
    ] as const) {
      expect((await reader.read(start, end)).toString()).toBe(disk.subarray(start, end).toString());
    }
    await log.close();
    expect((await reader.read(10, 16)).toString()).toBe('abcdef');
    await reader.close();
  });

  it('reads ranges across several recent appends and past what memory still holds alike', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    const reader = await log.open();
    const piece = (fill: number) => Buffer.alloc(RECENT_BYTES / 2 + 1000, fill);
    for (let i = 0; i < 5; i++) await log.appendAll([piece(i), Buffer.from(`#${i}#`)]);
    const disk = await readFile(join(dir, 'stdout'));
    const size = disk.length;
    const step = RECENT_BYTES / 2 + 1003;
    for (const [start, end] of [
      [0, size],
      [size - step - 10, size],
      [size - 2 * step + 7, size - 3],
      [step - 2, step + 5],
      [size - 1, size],
      [size, size],
    ] as const) {
      expect((await reader.read(start, end)).equals(disk.subarray(start, end))).toBe(true);
    }
    await log.close();
    expect((await reader.read(0, size)).equals(disk)).toBe(true);
    await reader.close();
  });

  it('keeps every byte, in order, of a producer much faster than the disk', async () => {
    const log = await OutputLog.create(join(dir, 'stdout'));
    // Many small pieces queue behind a write in flight and reach the disk batched.
    const pieces = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`line ${i}\n`));
    await pipeline(Readable.from(pieces), log.writable());
    const expected = Buffer.concat(pieces);
    expect(log.size).toBe(expected.length);
    await log.close();
    expect((await readFile(join(dir, 'stdout'))).equals(expected)).toBe(true);
  });
});
