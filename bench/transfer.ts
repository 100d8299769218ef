/**
 * Object transfer: upload + download of a 100 MB file through the SDK
 * (`uploadFromFile`, `downloadStream`) against the same three-step flow and
 * presigned GET done with raw undici. Rounds interleave SDK and raw.
 * (Devbox files: see file-transfer.ts, which reuses the payload helper.)
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { lastValueFrom, reduce } from 'rxjs';
import { request } from 'undici';
import type { BenchContext } from './support/context.js';
import { elapsedMs, fmt, sideBySide, type ResultRow } from './support/stats.js';

/** Bytes moved per transfer. */
export const SIZE = 100 * 1024 * 1024;
const ROUNDS = 3;

/**
 * Writes `SIZE` random bytes to `path`, streamed.
 *
 * @example
 * await writeRandomFile('/tmp/payload.bin');
 */
export async function writeRandomFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < SIZE / chunk.length; i++) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** How long one upload and one download took. */
export interface Timing {
  readonly uploadMs: number;
  readonly downloadMs: number;
}

async function sdkRound(ctx: BenchContext, file: string): Promise<Timing> {
  let start = performance.now();
  const object = await lastValueFrom(ctx.sdk.storageObject.uploadFromFile(file, 'bench-sdk.bin', { contentType: 'binary' }));
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const bytes = await lastValueFrom(object.downloadStream().pipe(reduce((n, chunk) => n + chunk.length, 0)));
  const downloadMs = elapsedMs(start);
  if (bytes !== SIZE) throw new Error(`SDK download got ${bytes} bytes`);
  await lastValueFrom(object.delete());
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
    await writeRandomFile(file);
    const { sdk, raw } = await sideBySide(ROUNDS, () => sdkRound(ctx, file), () => rawRound(ctx, file));
    return transferRows('object', sdk, raw);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Table rows for upload and download: best MB/s of each side and the ratio.
 *
 * @example
 * transferRows('object', sdkTimings, rawTimings);
 */
export function transferRows(what: string, sdk: readonly Timing[], raw: readonly Timing[]): ResultRow[] {
  const mbps = (ms: number) => SIZE / 1024 / 1024 / (ms / 1000);
  const best = (ts: readonly Timing[], key: keyof Timing) => Math.max(...ts.map((t) => mbps(t[key])));
  const row = (key: keyof Timing, label: string): ResultRow => {
    const ratio = best(sdk, key) / best(raw, key);
    return {
      benchmark: `${what} ${label} 100 MB, MB/s (best of ${sdk.length})`,
      sdk: fmt(best(sdk, key)),
      raw: fmt(best(raw, key)),
      ratio: fmt(ratio, 2),
      target: '>= 0.8x raw',
      verdict: ratio >= 0.8 ? 'met' : 'MISSED',
    };
  };
  return [row('uploadMs', 'upload'), row('downloadMs', 'download')];
}
