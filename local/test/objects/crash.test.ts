import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createObjectsService } from '../../src/objects/index.js';
import { startTestServer, tempDataDir } from '../../../test/support/local-server.js';

const CRASH_SERVER = fileURLToPath(new URL('./crash-server.ts', import.meta.url));

describe('storage objects after a crash (SIGKILL)', () => {
  it('keeps every acknowledged object, its bytes and its state', async () => {
    const dataDir = await tempDataDir();
    const token = 'crash-token';
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH_SERVER, dataDir, token], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { url } = JSON.parse(line) as { url: string };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const post = async (path: string, body: unknown) =>
        (await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json() as Promise<any>;

      const bytes = randomBytes(2 * 1024 * 1024);
      const done = await post('/v1/objects', { name: 'done.bin', content_type: 'binary' });
      await (await fetch(done.upload_url, { method: 'PUT', body: bytes })).text();
      await post(`/v1/objects/${done.id}/complete`, {});
      const uploadedOnly = await post('/v1/objects', { name: 'uploaded.txt', content_type: 'text' });
      await (await fetch(uploadedOnly.upload_url, { method: 'PUT', body: 'half way' })).text();
      const deleted = await post('/v1/objects', { name: 'deleted.txt', content_type: 'text' });
      await post(`/v1/objects/${deleted.id}/delete`, {});

      child.kill('SIGKILL');
      await exited;

      const server = await startTestServer({
        runtimeMode: 'none',
        services: [createObjectsService],
        dataDir,
        token,
        keepDataDir: true,
      });
      try {
        expect((await server.request('GET', `/v1/objects/${done.id}`)).json).toMatchObject({
          state: 'READ_ONLY',
          size_bytes: bytes.length,
        });
        const link = await server.request('GET', `/v1/objects/${done.id}/download`);
        expect(Buffer.from(await (await fetch(link.json.download_url)).arrayBuffer()).equals(bytes)).toBe(true);
        // The upload was acknowledged: completing after the restart works and keeps the bytes.
        const completed = await server.request('POST', `/v1/objects/${uploadedOnly.id}/complete`, {});
        expect(completed.json).toMatchObject({ state: 'READ_ONLY', size_bytes: 8 });
        expect((await server.request('GET', `/v1/objects/${deleted.id}`)).json.state).toBe('DELETED');
      } finally {
        await server.dispose();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
