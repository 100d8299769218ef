import { RunloopSDK } from '@runloop/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { startDevboxServer } from './helpers.js';

// The unchanged official client (HTTP/2 cleartext, retries, long-polls, SSE) against these services.
describe('the official @runloop/api-client', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startDevboxServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('creates a devbox, runs, streams, reads truncated output, uses files, shells, suspend/resume and shutdown', async () => {
    const sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url });
    const devbox = await sdk.devbox.create({ name: 'official', environment_variables: { A: 'b' } });
    try {
      const result = await devbox.cmd.exec('echo hi $A; echo err >&2; exit 2');
      expect(result.exitCode).toBe(2);
      expect(await result.stdout()).toBe('hi b\n');
      expect(await result.stderr()).toBe('err\n');
      const chunks: string[] = [];
      const streamed = await devbox.cmd.exec('for i in 1 2 3; do echo line $i; sleep 0.1; done', {
        stdout: (c: string) => chunks.push(c),
      });
      expect(streamed.exitCode).toBe(0);
      expect(chunks.join('')).toBe('line 1\nline 2\nline 3\n');
      const big = await devbox.cmd.exec('seq 1 3000');
      expect((await big.stdout()).split('\n').filter(Boolean)).toHaveLength(3000);
      await devbox.file.write({ file_path: 'a.txt', contents: '{"x":1}' });
      expect(await devbox.file.read({ file_path: 'a.txt' })).toBe('{"x":1}');
      const shell = devbox.shell('s1');
      await shell.exec('cd /tmp; export Z=9');
      expect(await (await shell.exec('echo $PWD $Z')).stdout()).toBe('/tmp 9\n');
      await devbox.suspend();
      await devbox.awaitSuspended();
      await devbox.resume();
      expect((await devbox.getInfo()).status).toBe('running');
    } finally {
      await devbox.shutdown();
    }
    expect((await devbox.getInfo()).status).toBe('shutdown');
  });
});
