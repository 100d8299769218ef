/**
 * Input limits at the door (issue: absurd sizes were accepted, and some
 * inputs were accepted only to break the devbox later). Every refusal is a
 * 400 that names the field and the limit; nothing is created; inputs right
 * at a limit still work for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_LIMITS } from '../../../src/api/views/limits.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown } from '../../../test/support/devboxes.js';

describe('input limits (real server)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  async function refused(method: string, path: string, body: unknown, field: RegExp): Promise<void> {
    const res = await server.request(method, path, body);
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect(res.json.message).toMatch(field);
    expect(res.json.message).toMatch(/at most|POSIX|no NUL/);
    // The message names the rule, never echoes the input.
    expect(res.text.length).toBeLessThan(2000);
  }

  it('refuses oversized names, metadata, Dockerfiles, mounts and command lists, and creates nothing', async () => {
    const huge = 'n'.repeat(2_000_000);
    const manyKeys = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`k${i}`, 'v']));
    const devboxesBefore = (await server.request('GET', '/v1/devboxes')).json.devboxes.length;
    await refused('POST', '/v1/devboxes', { name: huge }, /body\.name: expected string \(at most 256 characters/);
    await refused(
      'POST',
      '/v1/devboxes',
      { metadata: manyKeys },
      /body\.metadata: expected map of at most 100 entries/,
    );
    await refused('POST', '/v1/devboxes', { metadata: { k: 'v'.repeat(30_000) } }, /body\.metadata/);
    await refused(
      'POST',
      '/v1/devboxes',
      { file_mounts: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`/f${i}`, 'x'])) },
      /body\.file_mounts/,
    );
    await refused(
      'POST',
      '/v1/devboxes',
      { launch_parameters: { launch_commands: Array.from({ length: 20_000 }, () => 'true') } },
      /body\.launch_parameters\.launch_commands: expected array of at most 100 entries/,
    );
    await refused(
      'POST',
      '/v1/blueprints',
      { name: 'big', dockerfile: `FROM debian\n${'#'.repeat(2_000_000)}` },
      /body\.dockerfile: expected string \(at most 1048576 bytes/,
    );
    await refused('POST', '/v1/blueprints', { name: huge }, /body\.name/);
    await refused('POST', '/v1/objects', { name: huge, content_type: 'text' }, /body\.name/);
    expect((await server.request('GET', '/v1/devboxes')).json.devboxes.length).toBe(devboxesBefore);
    expect((await server.request('GET', '/v1/blueprints')).json.blueprints).toEqual([]);
    expect((await server.request('GET', '/v1/objects')).json.objects).toEqual([]);
  });

  it('refuses environment names a shell cannot export, and environments past the kernel budget', async () => {
    for (const name of ['A=B', 'X\u0000Y', 'XMi,T4', '1ABC', '']) {
      await refused(
        'POST',
        '/v1/devboxes',
        { environment_variables: { [name]: 'v' } },
        /body\.environment_variables: expected environment .*POSIX names/,
      );
    }
    // One variable past the kernel's limit for one string, and many within it past the total.
    await refused(
      'POST',
      '/v1/devboxes',
      { environment_variables: { BIG: 'x'.repeat(REQUEST_LIMITS.commandBytes) } },
      /body\.environment_variables/,
    );
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`V${i}`, 'x'.repeat(100_000)]));
    await refused('POST', '/v1/devboxes', { environment_variables: many }, /body\.environment_variables/);
  });

  it('refuses commands over the kernel limit for one argument, and huge shell names and command ids', async () => {
    const id = 'dbx_does_not_matter';
    await refused(
      'POST',
      `/v1/devboxes/${id}/execute`,
      { command: 'x'.repeat(200 * 1024) },
      /body\.command: expected string \(at most 131071 bytes/,
    );
    await refused('POST', `/v1/devboxes/${id}/execute_async`, { command: 'é'.repeat(70_000) }, /body\.command/);
    await refused(
      'POST',
      `/v1/devboxes/${id}/execute`,
      { command: 'ls', shell_name: 's'.repeat(1_000_000) },
      /body\.shell_name: expected shell name/,
    );
    await refused(
      'POST',
      `/v1/devboxes/${id}/execute`,
      { command: 'ls', command_id: 'c'.repeat(1_000_000) },
      /body\.command_id/,
    );
    await refused(
      'POST',
      `/v1/devboxes/${id}/read_file_contents`,
      { file_path: 'p'.repeat(1_000_000) },
      /body\.file_path: expected non-empty path \(at most 4096 bytes/,
    );
  });

  it('runs what sits right at the limits: the longest command and a near-full environment', async () => {
    // Ten variables of ~100 KB: near the total budget, each within the one-string limit.
    const env: Record<string, string> = {
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`V${i}`, 'y'.repeat(100_000)])),
      SMALL: 'ok',
    };
    const box = await createRunning(server, { environment_variables: env });
    try {
      // `:` ignores its arguments: the command line itself is what is at the limit.
      const command = `: ${'x'.repeat(REQUEST_LIMITS.commandBytes - 2)}`;
      expect(Buffer.byteLength(command)).toBe(REQUEST_LIMITS.commandBytes);
      const longest = await exec(server, box.id, command);
      expect({ ...longest, stdout: undefined }, JSON.stringify(longest).slice(0, 600)).toMatchObject({
        status: 'completed',
        exit_status: 0,
      });
      const seen = await exec(server, box.id, 'echo "${#V9} $SMALL"');
      expect(seen.stdout).toBe('100000 ok\n');
    } finally {
      await shutdown(server, box.id);
    }
  });
});
