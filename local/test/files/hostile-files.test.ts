/**
 * The file routes against a hostile client: truncated multipart bodies (one
 * used to take the whole server down), writes to a device, long paths in
 * error messages, and cancelled uploads that must leave no partial file.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startDevboxServer } from '../devboxes/helpers.js';
import { expectRangeAnswers } from '../http/range-checks.js';

const BOUNDARY = 'XXhostileXX';

/** A multipart body: the parts in the given order, then the closing boundary. */
function multipart(parts: Array<{ name: string; filename?: string; content: Buffer | string }>): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: ${disposition}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

describe('devbox files against a hostile client', () => {
  let server: TestServer;
  let box: { id: string };
  const upload = (body: Buffer | ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<Response> =>
    fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body,
      ...(body instanceof Buffer ? {} : { duplex: 'half' }),
      ...(signal ? { signal } : {}),
    } as RequestInit);
  const exists = async (path: string): Promise<boolean> =>
    (await exec(server, box.id, `test -e ${path} && echo yes || echo no`)).stdout.trim() === 'yes';

  beforeAll(async () => {
    server = await startDevboxServer();
    box = await createRunning(server);
  });
  afterAll(async () => {
    if (box) await shutdown(server, box.id);
    await server?.dispose();
  });

  it('answers every truncated multipart upload with a 400 and keeps serving, leaving no file', async () => {
    const content = randomBytes(64 * 1024);
    const orders = [
      [{ name: 'path', content: 'cut/path-first.bin' }, { name: 'file', filename: 'f', content }],
      [{ name: 'file', filename: 'f', content }, { name: 'path', content: 'cut/file-first.bin' }],
      // Parts the server skips, and a file it cannot write, are cut off too.
      [{ name: 'path', content: 'cut/extra.bin' }, { name: 'file', filename: 'f', content }, { name: 'extra', filename: 'g', content }],
      [{ name: 'path', content: '/proc/1/nope' }, { name: 'file', filename: 'f', content }],
    ];
    for (const parts of orders) {
      const whole = multipart(parts);
      const cuts = [whole.length - `--${BOUNDARY}--\r\n`.length, whole.length - 4, whole.length / 2, 120, 60, 10];
      for (const cut of cuts) {
        const res = await upload(whole.subarray(0, Math.floor(cut)));
        expect(res.status, `cut at ${cut}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `cut at ${cut}`).toBeLessThan(500);
        expect(await res.json()).toHaveProperty('error');
      }
    }
    expect((await server.request('GET', `/v1/devboxes/${box.id}`)).status).toBe(200);
    expect(await exists('/home/user/cut/path-first.bin')).toBe(false);
    expect(await exists('/home/user/cut/file-first.bin')).toBe(false);
  });

  it('leaves nothing at the target, and the old content intact, when an upload is cancelled partway', async () => {
    await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, { file_path: 'big/target.bin', contents: 'old' });
    const head = Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="path"\r\n\r\nbig/target.bin\r\n--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="f"\r\n\r\n`);
    const chunk = randomBytes(256 * 1024);
    let sent = 0;
    const cancel = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(head),
      pull: async (controller) => {
        sent += chunk.length;
        controller.enqueue(chunk);
        if (sent >= 8 * 1024 * 1024) {
          // Give the server time to write what it got, then give up.
          await new Promise((r) => setTimeout(r, 300));
          cancel.abort();
        }
      },
    });
    await upload(body, cancel.signal).catch(() => undefined);
    // The server notices the cancel on its side; poll until the writer is gone.
    let listing = '';
    for (let i = 0; i < 50; i++) {
      listing = (await exec(server, box.id, 'cat /home/user/big/target.bin; echo; ls -a /home/user/big')).stdout;
      if (!/rl-write/.test(listing)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listing.split('\n')[0]).toBe('old');
    expect(listing.split('\n').slice(1).join(' ').trim().split(/\s+/).sort()).toEqual(['.', '..', 'target.bin']);
  });

  it('answers Range on download_file and read_file_contents: 206 with Content-Range, 416 past the end', async () => {
    const bytes = randomBytes(3000);
    const form = new FormData();
    form.append('path', 'ranged/data.bin');
    form.append('file', new Blob([bytes]), 'data.bin');
    const up = await fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: form });
    expect(up.status).toBe(200);
    for (const [route, body] of [['download_file', { path: 'ranged/data.bin' }], ['read_file_contents', { file_path: 'ranged/data.bin' }]] as const) {
      await expectRangeAnswers(
        (range) =>
          fetch(`${server.url}/v1/devboxes/${box.id}/${route}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...(range === undefined ? {} : { range }) },
            body: JSON.stringify(body),
          }),
        bytes,
      );
    }
    const missing = await server.request('POST', `/v1/devboxes/${box.id}/download_file`, { path: 'ranged/none.bin' }, { range: 'bytes=0-1' });
    expect(missing.status).toBe(404);
  });

  it('answers a write to a device such as /dev/full with a 4xx', async () => {
    const res = await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, { file_path: '/dev/full', contents: 'x' });
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
    expect(res.json).toHaveProperty('error');
  });

  it('echoes at most ~200 characters of a long file_path', async () => {
    const res = await server.request('POST', `/v1/devboxes/${box.id}/read_file_contents`, { file_path: `missing/${'p'.repeat(1024 * 1024)}` });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json.message.length).toBeLessThan(300);
  });
});
