import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readResponse, tempDataDir } from '../../../test/support/local-server.js';
import { openStream, sseEvents } from '../executions/sse-client.js';
import { createRunning, exec, startDevboxServer, waitDevbox } from './helpers.js';

const CRASH_SERVER = fileURLToPath(new URL('./crash-server.ts', import.meta.url));

describe('restarts', () => {
  it('keeps a suspended devbox across a server restart and cold-resumes it from its disk', async () => {
    const dataDir = await tempDataDir();
    try {
      const first = await startDevboxServer({ dataDir, keepDataDir: true });
      let suspendedId: string;
      let runningId: string;
      let execId: string;
      try {
        const box = await createRunning(first, {
          launch_parameters: { launch_commands: ['echo start >> /home/user/starts.log'] },
        });
        suspendedId = box.id;
        execId = (await exec(first, box.id, 'echo kept > /home/user/kept.txt; echo from-first')).execution_id;
        expect((await first.request('POST', `/v1/devboxes/${box.id}/suspend`)).json.status).toBe('suspended');
        runningId = (await createRunning(first)).id;
      } finally {
        await first.dispose();
      }
      const second = await startDevboxServer({ dataDir });
      try {
        expect((await second.request('GET', `/v1/devboxes/${runningId}`)).json).toMatchObject({ status: 'shutdown' });
        expect((await second.request('GET', `/v1/devboxes/${suspendedId}`)).json.status).toBe('suspended');
        const old = await second.request('GET', `/v1/devboxes/${suspendedId}/executions/${execId}`);
        expect(old.json).toMatchObject({ status: 'completed', exit_status: 0, stdout: 'from-first\n' });
        expect((await second.request('POST', `/v1/devboxes/${suspendedId}/resume`)).status).toBe(200);
        expect((await waitDevbox(second, suspendedId, ['running', 'failure'])).status).toBe('running');
        const out = await exec(second, suspendedId, 'cat /home/user/kept.txt /home/user/starts.log');
        expect(out.stdout).toBe('kept\nstart\nstart\n');
      } finally {
        await second.dispose();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('stops cleanly while a devbox is stuck in a launch command, and records it shut down', async () => {
    const dataDir = await tempDataDir();
    try {
      const first = await startDevboxServer({ dataDir, keepDataDir: true });
      let id: string;
      try {
        const created = await first.request('POST', '/v1/devboxes', {
          launch_parameters: { launch_commands: ['sleep 300'] },
        });
        id = created.json.id;
        expect((await waitDevbox(first, id, ['initializing'])).status).toBe('initializing');
      } finally {
        await first.dispose();
      }
      const second = await startDevboxServer({ dataDir });
      try {
        expect((await second.request('GET', `/v1/devboxes/${id}`)).json).toMatchObject({
          status: 'shutdown',
          shutdown_reason: 'api_shutdown',
        });
      } finally {
        await second.dispose();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('after a crash (SIGKILL), marks running devboxes failed and lost executions completed with no exit status', async () => {
    const dataDir = await tempDataDir();
    const token = 'crash-test-token';
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH_SERVER, dataDir, token], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const url = (JSON.parse(line) as { url: string }).url;
      const call = async (method: string, path: string, body?: unknown) =>
        readResponse(
          await fetch(`${url}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          }),
        );
      const created = await call('POST', '/v1/devboxes/create_and_await_running', {});
      expect(created.json.status).toBe('running');
      const id = created.json.id as string;
      const done = await call('POST', `/v1/devboxes/${id}/execute`, { command: 'echo finished' });
      expect(done.json.status).toBe('completed');
      const lost = await call('POST', `/v1/devboxes/${id}/execute_async`, { command: 'echo partial; sleep 300' });
      expect(lost.json.status).toBe('running');
      // Crash only once the partial output is on disk (its first SSE chunk arrived).
      const stream = await openStream(url, token, id, lost.json.execution_id, 'stdout', 0);
      for await (const event of sseEvents(stream)) {
        expect(JSON.parse(event.data)).toEqual({ output: 'partial\n', offset: 8 });
        break;
      }
      child.kill('SIGKILL');
      await once(child, 'exit');

      const server = await startDevboxServer({ dataDir, token });
      try {
        const box = await server.request('GET', `/v1/devboxes/${id}`);
        expect(box.json.status).toBe('failure');
        expect(box.json.state_transitions.at(-1)).toMatchObject({
          status: 'failure',
          failure_reason: 'server_restarted',
        });
        const gone = await server.request('GET', `/v1/devboxes/${id}/executions/${lost.json.execution_id}`);
        expect(gone.json).toMatchObject({ status: 'completed', exit_status: null, stdout: 'partial\n' });
        const kept = await server.request('GET', `/v1/devboxes/${id}/executions/${done.json.execution_id}`);
        expect(kept.json).toMatchObject({ status: 'completed', exit_status: 0, stdout: 'finished\n' });
        const resume = await server.request('POST', `/v1/devboxes/${id}/resume`);
        expect(resume.status).toBe(409);
      } finally {
        await server.dispose();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
