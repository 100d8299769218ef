import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, startDevboxServer } from '../devboxes/helpers.js';

describe('executions over HTTP', () => {
  let server: TestServer;
  let box: { id: string };
  beforeAll(async () => {
    server = await startDevboxServer();
    box = await createRunning(server, { environment_variables: { GREETING: 'hi there' } });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('returns completed at once for a quick command and the running view for a slow one', async () => {
    const quick = await server.request('POST', `/v1/devboxes/${box.id}/execute`, { command: 'echo "$GREETING"; pwd' });
    expect(quick.json).toMatchObject({ status: 'completed', exit_status: 0, stdout: 'hi there\n/home/user\n' });
    const slow = await server.request('POST', `/v1/devboxes/${box.id}/execute`, {
      command: 'sleep 1.5; echo done',
      optimistic_timeout: 0.2,
    });
    expect(slow.json.status).toBe('running');
    expect(slow.json.exit_status ?? null).toBeNull();
    const done = await server.request(
      'POST',
      `/v1/devboxes/${box.id}/executions/${slow.json.execution_id}/wait_for_status`,
      { statuses: ['completed'] },
    );
    expect(done.json).toMatchObject({ status: 'completed', exit_status: 0, stdout: 'done\n' });
  });

  it('never runs a command twice for the same command_id', async () => {
    const body = {
      command: 'echo x >> /home/user/dedupe.txt; sleep 0.3',
      command_id: '01900000-0000-7000-8000-000000000001',
    };
    const [a, b] = await Promise.all([
      server.request('POST', `/v1/devboxes/${box.id}/execute`, body),
      server.request('POST', `/v1/devboxes/${box.id}/execute`, body),
    ]);
    const c = await server.request('POST', `/v1/devboxes/${box.id}/execute`, body);
    expect(new Set([a.json.execution_id, b.json.execution_id, c.json.execution_id]).size).toBe(1);
    const count = await exec(server, box.id, 'wc -l < /home/user/dedupe.txt');
    expect(count.stdout.trim()).toBe('1');
  });

  it('kills an async execution with its whole process group, background children included', async () => {
    const started = await server.request('POST', `/v1/devboxes/${box.id}/execute_async`, {
      command: 'sleep 300 & echo $! > /home/user/bg.pid; sleep 300',
    });
    expect(started.json.status).toBe('running');
    const id = started.json.execution_id;
    const held = await server.request('POST', `/v1/devboxes/${box.id}/executions/${id}/wait_for_status`, {
      statuses: ['completed'],
      timeout_seconds: 1,
    });
    expect(held.status).toBe(408);
    expect(held.headers.get('x-should-retry')).toBe('true');
    const killed = await server.request('POST', `/v1/devboxes/${box.id}/executions/${id}/kill`, {});
    expect(killed.json).toMatchObject({ status: 'completed', exit_status: 137 });
    const alive = await exec(
      server,
      box.id,
      'kill -0 "$(cat /home/user/bg.pid)" 2>/dev/null && echo alive || echo gone',
    );
    expect(alive.stdout.trim()).toBe('gone');
  });

  it('keeps cwd and exported variables in a named shell, and not without one', async () => {
    await exec(server, box.id, 'mkdir -p /tmp/work && cd /tmp/work && export COLOR=blue', { shell_name: 'build' });
    const same = await exec(server, box.id, 'echo "$PWD $COLOR"', { shell_name: 'build' });
    expect(same.stdout).toBe('/tmp/work blue\n');
    expect(same.shell_name).toBe('build');
    const other = await exec(server, box.id, 'echo "$PWD ${COLOR:-none}"');
    expect(other.stdout).toBe('/home/user none\n');
    const exited = await exec(server, box.id, 'cd /; export COLOR=red; exit 4', { shell_name: 'build' });
    expect(exited.exit_status).toBe(4);
    const after = await exec(server, box.id, 'echo "$PWD $COLOR"', { shell_name: 'build' });
    expect(after.stdout).toBe('/ red\n');
  });

  it('feeds stdin of an attached execution and closes it on EOF', async () => {
    const started = await server.request('POST', `/v1/devboxes/${box.id}/execute_async`, {
      command: 'read first; echo "got $first"; cat',
      attach_stdin: true,
    });
    const id = started.json.execution_id;
    const sent = await server.request('POST', `/v1/devboxes/${box.id}/executions/${id}/send_std_in`, {
      text: 'hello\nrest\n',
    });
    expect(sent.json).toEqual({ devbox_id: box.id, execution_id: id, success: true });
    await server.request('POST', `/v1/devboxes/${box.id}/executions/${id}/send_std_in`, { signal: 'EOF' });
    const done = await server.request('POST', `/v1/devboxes/${box.id}/executions/${id}/wait_for_status`, {
      statuses: ['completed'],
    });
    expect(done.json).toMatchObject({ status: 'completed', exit_status: 0, stdout: 'got hello\nrest\n' });
    const logs = await server.request('GET', `/v1/devboxes/${box.id}/logs?execution_id=${id}`);
    expect(logs.json.logs.map((l: { exit_code?: number | null }) => l.exit_code ?? null)).toEqual([null, 0]);
  });

  it('returns last_n lines with a truncation flag', async () => {
    const view = await exec(server, box.id, 'seq 1 500');
    expect(view.stdout.split('\n').filter(Boolean)).toHaveLength(100);
    expect(view.stdout_truncated).toBe(true);
    const got = await server.request('GET', `/v1/devboxes/${box.id}/executions/${view.execution_id}?last_n=3`);
    expect(got.json).toMatchObject({
      stdout: '498\n499\n500\n',
      stdout_truncated: true,
      stderr: '',
      stderr_truncated: false,
    });
    const sync = await server.request('POST', `/v1/devboxes/${box.id}/execute_sync`, { command: 'echo sync; exit 2' });
    expect(sync.json).toMatchObject({ devbox_id: box.id, exit_status: 2, stdout: 'sync\n', stderr: '' });
  });

  it('answers bad input with 400/404 JSON, never 500', async () => {
    const cases: Array<[string, string, unknown, number]> = [
      ['POST', `/v1/devboxes/${box.id}/execute`, {}, 400],
      ['POST', `/v1/devboxes/${box.id}/execute`, { command: 'true', optimistic_timeout: 99 }, 400],
      ['POST', `/v1/devboxes/dbx_nope/execute`, { command: 'true' }, 404],
      ['GET', `/v1/devboxes/${box.id}/executions/exe_nope`, undefined, 404],
      ['POST', `/v1/devboxes/${box.id}/executions/exe_nope/kill`, {}, 404],
      ['POST', `/v1/devboxes/${box.id}/executions/exe_nope/wait_for_status`, { statuses: ['completed'] }, 404],
      ['GET', `/v1/devboxes/${box.id}/executions/exe_nope/stream_stdout_updates?offset=0`, undefined, 404],
    ];
    const view = await exec(server, box.id, 'true');
    const eid = view.execution_id;
    cases.push(
      ['POST', `/v1/devboxes/${box.id}/executions/${eid}/wait_for_status`, { statuses: [] }, 400],
      ['POST', `/v1/devboxes/${box.id}/executions/${eid}/wait_for_status`, { statuses: ['done'] }, 400],
      [
        'POST',
        `/v1/devboxes/${box.id}/executions/${eid}/wait_for_status`,
        { statuses: ['completed'], timeout_seconds: 26 },
        400,
      ],
      ['GET', `/v1/devboxes/${box.id}/executions/${eid}/stream_stdout_updates?offset=-1`, undefined, 400],
      ['GET', `/v1/devboxes/${box.id}/executions/${eid}/stream_stderr_updates?offset=abc`, undefined, 400],
      ['GET', `/v1/devboxes/${box.id}/executions/${eid}?last_n=x`, undefined, 400],
      ['POST', `/v1/devboxes/${box.id}/executions/${eid}/send_std_in`, { text: 'x' }, 422],
      ['POST', `/v1/devboxes/${box.id}/executions/${eid}/wait_for_status`, { statuses: ['running'] }, 422],
    );
    for (const [method, path, body, status] of cases) {
      const res = await server.request(method, path, body);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.json, path).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
  });
});
