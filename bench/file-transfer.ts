/**
 * Devbox file transfer: upload (multipart) + download of a 100 MB file
 * through the SDK (`file.upload` from a path, `file.downloadStream`) against
 * the same requests sent with raw undici. Rounds interleave SDK and raw.
 */
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { FormData, request } from 'undici';
import type { Devbox } from '../src/index.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, sideBySide, type ResultRow } from './support/stats.js';
import { SIZE, transferRows, writeRandomFile, type Timing } from './transfer.js';

const ROUNDS = 3;

async function sdkRound(devbox: Devbox, file: string): Promise<Timing> {
  let start = performance.now();
  await lastValueFrom(devbox.file.upload({ path: 'payload-sdk.bin', file }));
  const uploadMs = elapsedMs(start);
  start = performance.now();
  const bytes = await lastValueFrom(devbox.file.downloadStream({ path: 'payload-sdk.bin' }).pipe(reduce((n, chunk) => n + chunk.length, 0)));
  if (bytes !== SIZE) throw new Error(`SDK download got ${bytes} bytes`);
  return { uploadMs, downloadMs: elapsedMs(start) };
}

async function rawRound(ctx: BenchContext, devboxId: string, file: string): Promise<Timing> {
  const auth = { authorization: `Bearer ${ctx.server.token}` };
  let start = performance.now();
  const form = new FormData();
  form.set('path', 'payload-raw.bin');
  form.set('file', await openAsBlob(file), 'payload.bin');
  const up = await request(`${ctx.server.url}/v1/devboxes/${devboxId}/upload_file`, { method: 'POST', dispatcher: ctx.raw.agent, headers: auth, body: form });
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
    await writeRandomFile(file);
    const { sdk, raw } = await sideBySide(ROUNDS, () => sdkRound(devbox, file), () => rawRound(ctx, devbox.id, file));
    return transferRows('devbox file', sdk, raw);
  } finally {
    await lastValueFrom(devbox.shutdown());
    await rm(dir, { recursive: true, force: true });
  }
}
