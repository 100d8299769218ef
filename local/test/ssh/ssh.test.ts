import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startAreaServer } from '../snapshots/helpers.js';

let server: TestServer;
let keysDir: string;
beforeAll(async () => {
  server = await startAreaServer();
  keysDir = await mkdtemp(join(tmpdir(), 'ssh-keys-'));
});
afterAll(async () => {
  await server?.dispose();
  await rm(keysDir, { recursive: true, force: true });
});

interface SshKey {
  id: string;
  ssh_private_key: string;
  ssh_user: string;
  url: string;
}

async function createKey(devboxId: string): Promise<SshKey & { file: string }> {
  const res = await server.request('POST', `/v1/devboxes/${devboxId}/create_ssh_key`);
  expect(res.status, res.text).toBe(200);
  const file = join(keysDir, `${devboxId}-${Date.now()}`);
  await writeFile(file, res.json.ssh_private_key, { mode: 0o600 });
  return { ...res.json, file };
}

function ssh(
  key: { file: string; url: string },
  user: string,
  command: string | undefined,
  stdin = '',
  tty = '-T',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [host, port] = key.url.split(':');
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [
      '-i',
      key.file,
      '-p',
      port!,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      tty,
      `${user}@${host}`,
      ...(command === undefined ? [] : [command]),
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A hung ssh must fail the test clearly, not hang it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe('ssh', () => {
  it('runs a command inside the devbox as user with the returned key; exit status and stdin flow', async () => {
    const devbox = await createRunning(server, { environment_variables: { GREETING: 'hello-env' } });
    const key = await createKey(devbox.id);
    expect(key).toMatchObject({ id: devbox.id, ssh_user: 'user' });
    expect(key.ssh_private_key).toContain('PRIVATE KEY');
    expect(key.url).toMatch(/^127\.0\.0\.1:\d+$/);
    const result = await ssh(key, 'user', 'echo hi; whoami; hostname; cat; exit 3', 'from-stdin\n');
    expect(result.stdout.split('\n').slice(0, 2)).toEqual(['hi', 'user']);
    expect(result.stdout).toContain('from-stdin');
    expect(result.code).toBe(3);
    // The devbox's environment variables are there, as for API executions.
    expect((await ssh(key, 'user', 'echo $GREETING')).stdout).toBe('hello-env\n');
    // A shell without a terminal reads its commands from stdin.
    const shell = await ssh(key, 'user', undefined, 'cd /tmp && pwd\nexit 4\n');
    expect(shell).toMatchObject({ code: 4, stdout: '/tmp\n' });
    // With -tt the shell gets a real terminal.
    const pty = await ssh(key, 'user', undefined, 'tty; echo "pty-$TERM"; exit\n', '-tt');
    expect(pty.stdout).toMatch(/\/dev\/pts\/\d+\r\n/);
    expect(pty.stdout).toMatch(/pty-[a-z0-9-]+\r\n/);
    // The devbox id works as user name too.
    expect((await ssh(key, devbox.id, 'echo ok')).stdout).toBe('ok\n');
    await shutdown(server, devbox.id);
    // A shut-down devbox's keys stop working.
    expect((await ssh(key, 'user', 'echo hi')).code).toBe(255);
  });

  it("refuses another devbox's key", async () => {
    const a = await createRunning(server);
    const b = await createRunning(server);
    await exec(server, a.id, 'echo devbox-a > ~/who.txt');
    await exec(server, b.id, 'echo devbox-b > ~/who.txt');
    const keyA = await createKey(a.id);
    const refused = await ssh(keyA, b.id, 'echo should-not-run');
    expect(refused.code).toBe(255);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/Permission denied/);
    // Under the shared name `user`, key A still opens devbox A only.
    expect((await ssh(keyA, 'user', 'cat ~/who.txt')).stdout).toBe('devbox-a\n');
    await Promise.all([shutdown(server, a.id), shutdown(server, b.id)]);
  });

  it('answers 404 / 409 for unknown or finished devboxes', async () => {
    expect((await server.request('POST', '/v1/devboxes/dbx_nope/create_ssh_key')).status).toBe(404);
    const d = await createRunning(server);
    await shutdown(server, d.id);
    expect((await server.request('POST', `/v1/devboxes/${d.id}/create_ssh_key`)).status).toBe(409);
  });
});
