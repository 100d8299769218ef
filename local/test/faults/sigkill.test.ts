/**
 * SIGKILL in the middle of work, then a restart on the same data dir and
 * port: everything acknowledged is still there, an upload cut off is never
 * served as complete, devboxes get honest statuses, nothing of the killed
 * server stays behind (processes, cgroups, mounts), a lost command ends
 * honestly (completed, no exit status), and an SDK that was waiting for it
 * through the crash gets that answer by itself once the server is back.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { longPoll } from '../../../src/core/index.js';
import { RunloopSDK } from '../../../src/index.js';
import { readResponse, tempDataDir, type TestResponse } from '../../../test/support/local-server.js';
import { runtimeInstanceName } from '../../src/runtime/index.js';

const KILL_SERVER = fileURLToPath(new URL('./kill-server.ts', import.meta.url));
const TOKEN = 'sigkill-test-token';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startServer(
  dataDir: string,
  port: number,
): Promise<{ child: ChildProcessByStdio<null, Readable, null>; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', KILL_SERVER, dataDir, TOKEN, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

function api(url: string) {
  return async (method: string, path: string, body?: unknown): Promise<TestResponse> =>
    readResponse(
      await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
}

/** Host processes whose cgroup belongs to this data dir's runtime. */
function processesOf(instance: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(instance);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitStatus(call: ReturnType<typeof api>, id: string, statuses: string[]): Promise<any> {
  for (;;) {
    const res = await call('POST', `/v1/devboxes/${id}/wait_for_status`, { statuses });
    if (res.status === 408) continue;
    expect(res.status, res.text).toBe(200);
    return res.json;
  }
}

describe('SIGKILL in the middle of work, then a restart on the same data dir', () => {
  it('keeps what was acknowledged, never serves a cut-off upload, tells the truth about devboxes and commands, leaves nothing behind, and lets a waiting SDK finish', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const instance = runtimeInstanceName(dataDir);
    let first = await startServer(dataDir, port);
    let second: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const call = api(first.url);
      // Acknowledged: an object, a suspended devbox with a file, a completed snapshot.
      const bytes = randomBytes(3 * 1024 * 1024);
      const object = await call('POST', '/v1/objects', { name: 'kept.bin', content_type: 'binary' });
      expect((await fetch(object.json.upload_url, { method: 'PUT', body: bytes })).status).toBe(200);
      expect((await call('POST', `/v1/objects/${object.json.id}/complete`, {})).json.state).toBe('READ_ONLY');

      const suspended = (await call('POST', '/v1/devboxes/create_and_await_running', {})).json;
      expect(
        (await call('POST', `/v1/devboxes/${suspended.id}/execute`, { command: 'echo kept > /home/user/kept.txt' }))
          .json.exit_status,
      ).toBe(0);
      const snapshot = await call('POST', `/v1/devboxes/${suspended.id}/snapshot_disk`, { name: 'before-crash' });
      expect(snapshot.status, snapshot.text).toBe(200);
      expect((await call('POST', `/v1/devboxes/${suspended.id}/suspend`)).json.status).toBe('suspended');

      // In flight: a devbox running a long command, an upload never completed.
      const running = (await call('POST', '/v1/devboxes/create_and_await_running', {})).json;
      const long = await call('POST', `/v1/devboxes/${running.id}/execute_async`, { command: 'sleep 300' });
      const sdk = new RunloopSDK({ baseURL: first.url, bearerToken: TOKEN });
      const waited = lastValueFrom(
        longPoll(
          sdk.api.devboxes.executions.waitForStatus(running.id, long.json.execution_id, { statuses: ['completed'] }),
          (e) => e.status === 'completed',
        ),
      );
      const cut = await call('POST', '/v1/objects', { name: 'cut.bin', content_type: 'binary' });
      const upload = fetch(cut.json.upload_url, {
        method: 'PUT',
        body: (async function* () {
          yield randomBytes(1024 * 1024);
          await new Promise((resolve) => setTimeout(resolve, 60_000));
        })(),
        duplex: 'half',
      } as RequestInit).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 500));

      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
      await upload;
      // The dead server's devboxes die with it (their agent's pipes closed; the watchdog sweeps).
      await eventually(() => processesOf(instance).length === 0);
      await eventually(() => !readFileSync('/proc/self/mountinfo', 'utf8').includes(dataDir));

      second = await startServer(dataDir, port);
      const again = api(second.url);
      const lost = await again('GET', `/v1/devboxes/${running.id}/executions/${long.json.execution_id}`);
      expect(lost.json).toMatchObject({ status: 'completed', exit_status: null });
      // The SDK rode out the outage (connection refused while the server was down) on its own.
      expect(await waited).toMatchObject({ status: 'completed', exit_status: null });

      const download = await again('GET', `/v1/objects/${object.json.id}/download`);
      expect(Buffer.from(await (await fetch(download.json.download_url)).arrayBuffer()).equals(bytes)).toBe(true);
      const cutView = await again('GET', `/v1/objects/${cut.json.id}`);
      expect(cutView.json.state).not.toBe('READ_ONLY');
      expect((await again('GET', `/v1/objects/${cut.json.id}/download`)).status).toBeGreaterThanOrEqual(400);

      expect((await again('GET', `/v1/devboxes/${running.id}`)).json).toMatchObject({ status: 'failure' });
      expect((await again('GET', `/v1/devboxes/${suspended.id}`)).json.status).toBe('suspended');
      expect((await again('POST', `/v1/devboxes/${suspended.id}/resume`)).status).toBe(200);
      expect((await waitStatus(again, suspended.id, ['running', 'failure'])).status).toBe('running');
      expect(
        (await again('POST', `/v1/devboxes/${suspended.id}/execute`, { command: 'cat /home/user/kept.txt' })).json
          .stdout,
      ).toBe('kept\n');
      const restored = (await again('POST', '/v1/devboxes/create_and_await_running', { snapshot_id: snapshot.json.id }))
        .json;
      expect(
        (await again('POST', `/v1/devboxes/${restored.id}/execute`, { command: 'cat /home/user/kept.txt' })).json
          .stdout,
      ).toBe('kept\n');
      for (const id of [suspended.id, restored.id]) await again('POST', `/v1/devboxes/${id}/shutdown`);
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
      await eventually(() => processesOf(instance).length === 0);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dataDir);
    } finally {
      // Whatever failed above: stop what this test started, by its PID, and let the next start reap the rest.
      for (const server of [first, second]) {
        if (server && server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill('SIGTERM');
          await once(server.child, 'exit');
        }
      }
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }, 120_000);
});
