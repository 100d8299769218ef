/**
 * The file routes against a hostile client: truncated multipart bodies (one
 * used to take the whole server down), writes to a device or a full disk,
 * reads of endless or huge files, long paths in error messages, and
 * cancelled uploads that must leave no partial file.
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
  const post = (route: string, body: unknown, signal?: AbortSignal, range?: string): Promise<Response> =>
    fetch(`${server.url}/v1/devboxes/${box.id}/${route}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.token}`,
        'content-type': 'application/json',
        ...(range === undefined ? {} : { range }),
      },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
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
      [
        { name: 'path', content: 'cut/path-first.bin' },
        { name: 'file', filename: 'f', content },
      ],
      [
        { name: 'file', filename: 'f', content },
        { name: 'path', content: 'cut/file-first.bin' },
      ],
      // Parts the server skips, and a file it cannot write, are cut off too.
      [
        { name: 'path', content: 'cut/extra.bin' },
        { name: 'file', filename: 'f', content },
        { name: 'extra', filename: 'g', content },
      ],
      [
        { name: 'path', content: '/proc/1/nope' },
        { name: 'file', filename: 'f', content },
      ],
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
    await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, {
      file_path: 'big/target.bin',
      contents: 'old',
    });
    const head = Buffer.from(
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="path"\r\n\r\nbig/target.bin\r\n--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="f"\r\n\r\n`,
    );
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
    const up = await fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: form,
    });
    expect(up.status).toBe(200);
    for (const [route, body] of [
      ['download_file', { path: 'ranged/data.bin' }],
      ['read_file_contents', { file_path: 'ranged/data.bin' }],
    ] as const) {
      await expectRangeAnswers(
        (range) =>
          fetch(`${server.url}/v1/devboxes/${box.id}/${route}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${server.token}`,
              'content-type': 'application/json',
              ...(range === undefined ? {} : { range }),
            },
            body: JSON.stringify(body),
          }),
        bytes,
      );
    }
    const missing = await server.request(
      'POST',
      `/v1/devboxes/${box.id}/download_file`,
      { path: 'ranged/none.bin' },
      { range: 'bytes=0-1' },
    );
    expect(missing.status).toBe(404);
  });

  it('answers a write to a device such as /dev/full with a 4xx', async () => {
    const res = await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, {
      file_path: '/dev/full',
      contents: 'x',
    });
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
    expect(res.json).toHaveProperty('error');
  });

  it('answers a read of an endless file (/dev/zero) with a 422 at once, never streaming until the client leaves', async () => {
    for (const [route, body] of [
      ['read_file_contents', { file_path: '/dev/zero' }],
      ['download_file', { path: '/dev/zero' }],
    ] as const) {
      // The guard: an unbounded answer would run into this timeout and fail the test.
      const res = await post(route, body, AbortSignal.timeout(20_000));
      const text = await res.text();
      expect(res.status, `${route}: ${text.slice(0, 200)}`).toBe(422);
      expect(JSON.parse(text)).toMatchObject({ error: 'file_too_large' });
      expect(JSON.parse(text).message).toMatch(/at most 1048576 bytes/);
    }
    // A file that does not say its size but is small (/proc) is still read whole.
    const proc = await post('read_file_contents', { file_path: '/proc/self/status' });
    expect(proc.status).toBe(200);
    expect(await proc.text()).toMatch(/^Name:/m);
  });

  it('answers a read of a file over the largest devbox disk (sparse) with a 422 naming the limit', async () => {
    expect((await exec(server, box.id, 'truncate -s 65G /home/user/sparse.bin && echo ok')).stdout.trim()).toBe('ok');
    try {
      for (const [route, body] of [
        ['download_file', { path: 'sparse.bin' }],
        ['read_file_contents', { file_path: 'sparse.bin' }],
      ] as const) {
        const res = await post(route, body, AbortSignal.timeout(20_000));
        const text = await res.text();
        expect(res.status, `${route}: ${text.slice(0, 200)}`).toBe(422);
        expect(JSON.parse(text)).toMatchObject({ error: 'file_too_large' });
        expect(JSON.parse(text).message).toMatch(/Range/);
      }
      // Range still reads a part of it (the start: the reader skips by reading, so not the far end).
      const part = await post('download_file', { path: 'sparse.bin' }, AbortSignal.timeout(20_000), 'bytes=0-3');
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.alloc(4));
    } finally {
      await exec(server, box.id, 'rm -f /home/user/sparse.bin');
    }
  });

  it('answers a write into a full devbox disk with a 413 disk_full, not a retryable 5xx, and writes again once there is room', async () => {
    const fill =
      'avail=$(df -B1 --output=avail /home/user | tail -1); fallocate -l "$avail" /home/user/fill.bin; ' +
      'head -c 64M /dev/zero > /home/user/fill2.bin 2>/dev/null; df -B1 --output=avail /home/user | tail -1';
    const left = await exec(server, box.id, fill);
    expect(Number(left.stdout.trim()), left.stdout + left.stderr).toBeLessThan(1024 * 1024);
    try {
      const content = 'z'.repeat(2 * 1024 * 1024);
      const written = await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, {
        file_path: 'full/a.txt',
        contents: content,
      });
      expect(written.status, written.text).toBe(413);
      expect(written.json).toMatchObject({ error: 'disk_full' });
      expect(written.headers.get('x-should-retry')).toBe('false');
      const form = new FormData();
      form.append('path', 'full/b.bin');
      form.append('file', new Blob([content]), 'b.bin');
      const uploaded = await fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}` },
        body: form,
      });
      expect(uploaded.status).toBe(413);
      expect(await uploaded.json()).toMatchObject({ error: 'disk_full' });
    } finally {
      await exec(server, box.id, 'rm -f /home/user/fill.bin /home/user/fill2.bin');
    }
    const again = await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, {
      file_path: 'full/a.txt',
      contents: 'room',
    });
    expect(again.status, again.text).toBe(200);
    expect((await exec(server, box.id, 'cat /home/user/full/a.txt; ls -A /home/user/full')).stdout).toBe('rooma.txt\n');
  });

  it('echoes at most ~200 characters of a long file_path', async () => {
    const res = await server.request('POST', `/v1/devboxes/${box.id}/read_file_contents`, {
      file_path: `missing/${'p'.repeat(1024 * 1024)}`,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json.message.length).toBeLessThan(300);
  });
});
