/**
 * Object transfer of a 256 MB file: runloop-rx (`uploadFromFile`,
 * `downloadStream`), the official client (`uploadFromFile`,
 * `downloadAsBuffer`: it has no streaming download) and the floor, the same
 * three-step upload and presigned GET sent with raw undici. Rounds
 * interleave; the client's and the server's RSS growth is sampled during
 * every runloop-rx round (target: under 64 MB each).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { lastValueFrom, reduce } from 'rxjs';
import { request } from 'undici';
import { atLeastOfficial, compareRow, withinFloor } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { withRssGrowth, type RssGrowth } from './support/memory.js';
import { elapsedMs, fmt, infoRow, interleave, type ResultRow } from './support/stats.js';

const SIZE = 256 * 1024 * 1024;
const ROUNDS = 2;

/**
 * Writes `size` random bytes to `path`, streamed.
 *
 * @example
 * await writeRandomFile('/tmp/payload.bin', 100 << 20);
 */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < size / chunk.length; i++) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** How long one upload and one download took, ms. */
export interface Timing {
  readonly uploadMs: number;
  readonly downloadMs: number;
}

async function rxRound(ctx: BenchContext, file: string): Promise<Timing> {
  let start = performance.now();
  const object = await lastValueFrom(
    ctx.sdk.storageObject.uploadFromFile(file, 'bench-rx.bin', { contentType: 'binary' }),
  );
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const bytes = await lastValueFrom(object.downloadStream().pipe(reduce((n, chunk) => n + chunk.length, 0)));
  const downloadMs = elapsedMs(start);
  if (bytes !== SIZE) throw new Error(`runloop-rx download got ${bytes} bytes`);
  await lastValueFrom(object.delete());
  return { uploadMs, downloadMs };
}

async function officialRound(ctx: BenchContext, file: string): Promise<Timing> {
  let start = performance.now();
  const object = await ctx.official.sdk.storageObject.uploadFromFile(file, 'bench-official.bin', {
    contentType: 'binary',
  });
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const bytes = (await object.downloadAsBuffer()).length;
  const downloadMs = elapsedMs(start);
  if (bytes !== SIZE) throw new Error(`official download got ${bytes} bytes`);
  await object.delete();
  return { uploadMs, downloadMs };
}

async function rawRound(ctx: BenchContext, file: string): Promise<Timing> {
  let start = performance.now();
  const created = await ctx.raw.json('POST', '/v1/objects', { name: 'bench-raw.bin', content_type: 'binary' });
  const put = await request(created.upload_url, {
    method: 'PUT',
    dispatcher: ctx.raw.agent,
    headers: { 'content-length': String(SIZE) },
    body: createReadStream(file),
  });
  await put.body.dump();
  if (put.statusCode >= 300) throw new Error(`raw PUT: HTTP ${put.statusCode}`);
  await ctx.raw.json('POST', `/v1/objects/${created.id}/complete`, {});
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const { download_url } = await ctx.raw.json('GET', `/v1/objects/${created.id}/download`);
  const res = await request(download_url, { dispatcher: ctx.raw.agent });
  let bytes = 0;
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  const downloadMs = elapsedMs(start);
  if (bytes !== SIZE) throw new Error(`raw download got ${bytes} bytes`);
  await ctx.raw.json('POST', `/v1/objects/${created.id}/delete`, {});
  return { uploadMs, downloadMs };
}

/** @example const rows = await benchTransfer(ctx); */
export async function benchTransfer(ctx: BenchContext): Promise<ResultRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'runloop-bench-transfer-'));
  try {
    const file = join(dir, 'payload.bin');
    await writeRandomFile(file, SIZE);
    const growth: RssGrowth[] = [];
    const runs = await interleave(ROUNDS, {
      rx: async () => {
        const { value, growth: g } = await withRssGrowth(ctx.server.pid, () => rxRound(ctx, file));
        growth.push(g);
        return value;
      },
      official: () => officialRound(ctx, file),
      raw: () => rawRound(ctx, file),
    });
    const client = Math.max(...growth.map((g) => g.clientMb));
    const server = Math.max(...growth.map((g) => g.serverMb));
    return [
      ...transferRows('object', SIZE, runs),
      infoRow(
        'object 256 MB up + down: RSS growth of client / server during runloop-rx rounds, MB (max)',
        `${fmt(client, 0)} / ${fmt(server, 0)}`,
        {
          target: '< 64 MB each',
          verdict: client < 64 && server < 64 ? 'met' : 'MISSED',
        },
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Rows for upload and download: median MB/s of each side, against the official client and the raw-HTTP floor.
 *
 * @example
 * transferRows('devbox file', 100 << 20, { rx, official, raw });
 */
export function transferRows(
  what: string,
  size: number,
  runs: { readonly rx: readonly Timing[]; readonly official: readonly Timing[]; readonly raw: readonly Timing[] },
): ResultRow[] {
  const mbps = (ms: number) => size / 1024 / 1024 / (ms / 1000);
  const row = (key: keyof Timing, label: string): ResultRow =>
    compareRow({
      benchmark: `${what} ${label} ${size / 1024 / 1024} MB (floor: raw HTTP), n=${runs.rx.length}`,
      unit: 'MB/s',
      rx: runs.rx.map((t) => mbps(t[key])),
      official: runs.official.map((t) => mbps(t[key])),
      floor: runs.raw.map((t) => mbps(t[key])),
      targets: [atLeastOfficial('MB/s'), withinFloor('MB/s', 0.8, 'raw HTTP')],
    });
  return [row('uploadMs', 'upload'), row('downloadMs', 'download')];
}
