/**
 * Devbox file transfer of a 100 MB file: runloop-rx (`file.upload` from a
 * path, `file.downloadStream`), the official client (`file.upload` with a
 * read stream, `file.download`'s response body) and the floor, the same
 * requests sent with raw undici. Rounds interleave.
 */
import { createReadStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { FormData, request } from 'undici';
import type { Devbox } from '../src/index.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, interleave, type ResultRow } from './support/stats.js';
import { transferRows, writeRandomFile, type Timing } from './transfer.js';

const SIZE = 100 * 1024 * 1024;
const ROUNDS = 2;

async function rxRound(devbox: Devbox, file: string): Promise<Timing> {
  let start = performance.now();
  await lastValueFrom(devbox.file.upload({ path: 'payload-rx.bin', file }));
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const bytes = await lastValueFrom(
    devbox.file.downloadStream({ path: 'payload-rx.bin' }).pipe(reduce((n, chunk) => n + chunk.length, 0)),
  );
  if (bytes !== SIZE) throw new Error(`runloop-rx download got ${bytes} bytes`);
  return { uploadMs, downloadMs: elapsedMs(start) };
}

async function officialRound(ctx: BenchContext, id: string, file: string): Promise<Timing> {
  const devbox = ctx.official.sdk.devbox.fromId(id);
  let start = performance.now();
  await devbox.file.upload({ path: 'payload-official.bin', file: createReadStream(file) });
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const res = await devbox.file.download({ path: 'payload-official.bin' });
  let bytes = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) bytes += chunk.length;
  if (bytes !== SIZE) throw new Error(`official download got ${bytes} bytes`);
  return { uploadMs, downloadMs: elapsedMs(start) };
}

async function rawRound(ctx: BenchContext, devboxId: string, file: string): Promise<Timing> {
  const auth = { authorization: `Bearer ${ctx.server.token}` };
  let start = performance.now();
  const form = new FormData();
  form.set('path', 'payload-raw.bin');
  form.set('file', await openAsBlob(file), 'payload.bin');
  const up = await request(`${ctx.server.url}/v1/devboxes/${devboxId}/upload_file`, {
    method: 'POST',
    dispatcher: ctx.raw.agent,
    headers: auth,
    body: form,
  });
  await up.body.dump();
  if (up.statusCode >= 300) throw new Error(`raw upload: HTTP ${up.statusCode}`);
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const down = await request(`${ctx.server.url}/v1/devboxes/${devboxId}/download_file`, {
    method: 'POST',
    dispatcher: ctx.raw.agent,
    headers: { ...auth, 'content-type': 'application/json', accept: 'application/octet-stream' },
    body: JSON.stringify({ path: 'payload-raw.bin' }),
  });
  let bytes = 0;
  for await (const chunk of down.body) bytes += (chunk as Buffer).length;
  if (bytes !== SIZE) throw new Error(`raw download got ${bytes} bytes (HTTP ${down.statusCode})`);
  return { uploadMs, downloadMs: elapsedMs(start) };
}

/** @example const rows = await benchFileTransfer(ctx); */
export async function benchFileTransfer(ctx: BenchContext): Promise<ResultRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'runloop-bench-files-'));
  const devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-files' }));
  try {
    const file = join(dir, 'payload.bin');
    await writeRandomFile(file, SIZE);
    const sides = {
      rx: () => rxRound(devbox, file),
      official: () => officialRound(ctx, devbox.id, file),
      raw: () => rawRound(ctx, devbox.id, file),
    };
    // One unmeasured round: with n=2, the side that happens to go first would otherwise carry the case's cold start
    // (the first write into the devbox, JIT) in half its median.
    await interleave(1, sides);
    const runs = await interleave(ROUNDS, sides);
    return transferRows('devbox file', SIZE, runs);
  } finally {
    await lastValueFrom(devbox.shutdown());
    await rm(dir, { recursive: true, force: true });
  }
}
