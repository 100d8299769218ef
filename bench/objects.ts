/**
 * Storage-object flows as users write them, 20 MB each, upload + download
 * (+ delete) in one timed flow: text (`uploadFromText` → `downloadAsText`),
 * bytes (`uploadFromBuffer`/`uploadFromBytes` → `downloadAsBuffer`/
 * `downloadAsBytes`) and file (`uploadFromFile` → bytes). runloop-rx and the
 * official client interleaved; the floor is the same requests with raw undici.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { request } from 'undici';
import { atLeastOfficial, compareRow, withinFloor } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, interleave, type ResultRow } from './support/stats.js';

const SIZE = 20 * 1024 * 1024;
const ROUNDS = 5;

type Flow = 'text' | 'bytes' | 'file';

interface Payloads {
  readonly text: string;
  readonly bytes: Buffer;
  readonly file: string;
}

async function rxFlow(ctx: BenchContext, flow: Flow, p: Payloads): Promise<number> {
  const start = performance.now();
  const ops = ctx.sdk.storageObject;
  const object = await lastValueFrom(
    flow === 'text'
      ? ops.uploadFromText(p.text, 'bench-rx.txt')
      : flow === 'bytes'
        ? ops.uploadFromBytes(p.bytes, 'bench-rx.bin', 'binary')
        : ops.uploadFromFile(p.file, 'bench-rx.bin', { contentType: 'binary' }),
  );
  const length =
    flow === 'text'
      ? (await lastValueFrom(object.downloadAsText())).length
      : (await lastValueFrom(object.downloadAsBytes())).length;
  if (length !== SIZE) throw new Error(`runloop-rx ${flow} flow read back ${length}`);
  await lastValueFrom(object.delete());
  return elapsedMs(start);
}

async function officialFlow(ctx: BenchContext, flow: Flow, p: Payloads): Promise<number> {
  const start = performance.now();
  const ops = ctx.official.sdk.storageObject;
  const object = await (flow === 'text'
    ? ops.uploadFromText(p.text, 'bench-official.txt')
    : flow === 'bytes'
      ? ops.uploadFromBuffer(p.bytes, 'bench-official.bin', 'binary')
      : ops.uploadFromFile(p.file, 'bench-official.bin', { contentType: 'binary' }));
  const length = flow === 'text' ? (await object.downloadAsText()).length : (await object.downloadAsBuffer()).length;
  if (length !== SIZE) throw new Error(`official ${flow} flow read back ${length}`);
  await object.delete();
  return elapsedMs(start);
}

/**
 * The floor: create, PUT, complete, download URL, GET, delete, with undici alone. The text and
 * bytes flows send the payload from memory; the file flow streams the same file from disk (the
 * file is the work: a floor from memory would charge the clients for reading it).
 */
async function rawFlow(ctx: BenchContext, flow: Flow, p: Payloads): Promise<number> {
  const start = performance.now();
  const created = await ctx.raw.json('POST', '/v1/objects', {
    name: 'bench-raw',
    content_type: flow === 'text' ? 'text' : 'binary',
  });
  const put = await request(created.upload_url, {
    method: 'PUT',
    dispatcher: ctx.raw.agent,
    body: flow === 'text' ? p.text : flow === 'file' ? createReadStream(p.file) : p.bytes,
  });
  await put.body.dump();
  await ctx.raw.json('POST', `/v1/objects/${created.id}/complete`, {});
  const { download_url } = await ctx.raw.json('GET', `/v1/objects/${created.id}/download`);
  const res = await request(download_url, { dispatcher: ctx.raw.agent });
  const length = flow === 'text' ? (await res.body.text()).length : (await res.body.arrayBuffer()).byteLength;
  if (length !== SIZE) throw new Error(`raw ${flow} flow read back ${length}`);
  await ctx.raw.json('POST', `/v1/objects/${created.id}/delete`, {});
  return elapsedMs(start);
}

/** @example const rows = await benchObjects(ctx); */
export async function benchObjects(ctx: BenchContext): Promise<ResultRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'runloop-bench-objects-'));
  try {
    const bytes = randomBytes(SIZE);
    // Text of printable ASCII, so its length in characters is its size in bytes.
    const text = bytes.toString('base64').slice(0, SIZE);
    const file = join(dir, 'payload.bin');
    await writeFile(file, bytes);
    const payloads: Payloads = { text, bytes, file };
    const rows: ResultRow[] = [];
    for (const flow of ['text', 'bytes', 'file'] as const) {
      const runs = await interleave(ROUNDS, {
        rx: () => rxFlow(ctx, flow, payloads),
        official: () => officialFlow(ctx, flow, payloads),
        raw: () => rawFlow(ctx, flow, payloads),
      });
      rows.push(
        compareRow({
          benchmark: `storage object ${flow} flow, 20 MB upload + download + delete (floor: raw HTTP), n=${ROUNDS}`,
          unit: 'ms',
          rx: runs.rx,
          official: runs.official,
          floor: runs.raw,
          targets: [atLeastOfficial('ms'), withinFloor('ms', 1.25, 'raw HTTP')],
        }),
      );
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
