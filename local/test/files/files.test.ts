import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, startDevboxServer } from '../devboxes/helpers.js';

describe('devbox files over HTTP', () => {
  let server: TestServer;
  let box: { id: string };
  let hostDir: string;
  const marker = `host-secret-${randomBytes(8).toString('hex')}`;
  beforeAll(async () => {
    server = await startDevboxServer();
    box = await createRunning(server);
    hostDir = await mkdtemp('/tmp/rl-files-host-');
    await writeFile(`${hostDir}/secret.txt`, marker);
  });
  afterAll(async () => {
    await server?.dispose();
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  it('writes and reads UTF-8 text as text/plain, paths relative to /home/user', async () => {
    const written = await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, {
      file_path: 'dir/notes.txt',
      contents: 'héllo {"json": false}\n',
    });
    expect(written.status, written.text).toBe(200);
    expect(written.json).toMatchObject({ devbox_id: box.id, exit_status: 0 });
    const read = await server.request('POST', `/v1/devboxes/${box.id}/read_file_contents`, {
      file_path: 'dir/notes.txt',
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(read.text).toBe('héllo {"json": false}\n');
    const seen = await exec(server, box.id, 'cat /home/user/dir/notes.txt');
    expect(seen.stdout).toBe('héllo {"json": false}\n');
  });

  it('uploads and downloads binary bytes unchanged (multipart in, octet-stream out)', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const form = new FormData();
    form.append('path', 'bin/data.bin');
    form.append('file', new Blob([bytes]), 'data.bin');
    const up = await fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: form,
    });
    expect(up.status, await up.clone().text()).toBe(200);
    const down = await fetch(`${server.url}/v1/devboxes/${box.id}/download_file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'bin/data.bin' }),
    });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('accepts the file part before the path field', async () => {
    const form = new FormData();
    form.append('file', new Blob(['late path']), 'x.txt');
    form.append('path', 'late.txt');
    const up = await fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: form,
    });
    expect(up.status).toBe(200);
    expect(
      (await server.request('POST', `/v1/devboxes/${box.id}/read_file_contents`, { file_path: 'late.txt' })).text,
    ).toBe('late path');
  });

  it('never reaches the host: ../ paths and planted symlinks stay inside the devbox', async () => {
    await exec(server, box.id, `ln -sf ${hostDir}/secret.txt /home/user/planted; ln -sf / /home/user/rootlink`);
    const attempts = [
      { file_path: `../../../../../../..${hostDir}/secret.txt` },
      { file_path: 'planted' },
      { file_path: `rootlink${hostDir}/secret.txt` },
      { file_path: `${hostDir}/secret.txt` },
    ];
    for (const body of attempts) {
      const res = await server.request('POST', `/v1/devboxes/${box.id}/read_file_contents`, body);
      expect(res.text, body.file_path).not.toContain(marker);
      expect([400, 403, 404], body.file_path).toContain(res.status);
    }
    // ../../etc/passwd is the devbox's own file, not the host's: a write there must not touch the host.
    const etc = await server.request('POST', `/v1/devboxes/${box.id}/read_file_contents`, {
      file_path: '../../etc/passwd',
    });
    expect([200, 403]).toContain(etc.status);
    const escape = await server.request('POST', `/v1/devboxes/${box.id}/write_file_contents`, {
      file_path: `planted`,
      contents: 'overwritten',
    });
    expect([200, 403, 404, 422]).toContain(escape.status);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${hostDir}/secret.txt`, 'utf8')).toBe(marker);
  });

  it('maps missing files to 404, directories to 400, and bad bodies to 400', async () => {
    expect((await exec(server, box.id, 'mkdir -p dir && touch plain')).exit_status).toBe(0);
    const cases: Array<[string, unknown, number]> = [
      ['read_file_contents', { file_path: 'nope.txt' }, 404],
      ['read_file_contents', { file_path: 'no/such/parent.txt' }, 404],
      ['read_file_contents', { file_path: 'plain/under-a-file.txt' }, 404],
      ['write_file_contents', { file_path: 'dir', contents: 'x' }, 400],
      ['write_file_contents', { file_path: 'plain/under-a-file.txt', contents: 'x' }, 400],
      ['download_file', { path: 'dir' }, 400],
      ['read_file_contents', { file_path: 'dir' }, 400],
      ['read_file_contents', { file_path: '' }, 400],
      ['read_file_contents', {}, 400],
      ['write_file_contents', { file_path: 'x' }, 400],
      ['download_file', { path: 'nope.bin' }, 404],
      ['download_file', { file_path: 'x' }, 400],
    ];
    for (const [op, body, status] of cases) {
      const res = await server.request('POST', `/v1/devboxes/${box.id}/${op}`, body);
      expect({ op, body, status: res.status }).toEqual({ op, body, status });
      expect(res.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    const notMultipart = await server.request('POST', `/v1/devboxes/${box.id}/upload_file`, { path: 'x' });
    expect(notMultipart.status).toBe(400);
    const noPath = new FormData();
    noPath.append('file', new Blob(['x']), 'x');
    const res = await fetch(`${server.url}/v1/devboxes/${box.id}/upload_file`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: noPath,
    });
    expect(res.status).toBe(400);
    const missingBox = await server.request('POST', '/v1/devboxes/dbx_missing/read_file_contents', { file_path: 'a' });
    expect(missingBox.status).toBe(404);
  });
});
