import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown, startDevboxServer, waitDevbox } from './helpers.js';

async function tgz(
  entries: Array<{
    name: string;
    content?: string;
    mode?: number;
    type?: 'file' | 'directory' | 'symlink';
    linkname?: string;
  }>,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'directory' || e.type === 'symlink')
      pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

async function uploadObject(
  server: TestServer,
  name: string,
  contentType: string,
  bytes: Buffer | string,
): Promise<string> {
  const created = await server.request('POST', '/v1/objects', { name, content_type: contentType });
  expect(created.status, created.text).toBe(200);
  const put = await fetch(created.json.upload_url, { method: 'PUT', body: bytes });
  expect(put.ok).toBe(true);
  const done = await server.request('POST', `/v1/objects/${created.json.id}/complete`, {});
  expect(done.status, done.text).toBe(200);
  return created.json.id;
}

describe('devbox features over HTTP', () => {
  let server: TestServer;
  const holdBefore = process.env.RUNLOOP_LOCAL_DEVBOX_WAIT_MS;
  beforeAll(async () => {
    process.env.RUNLOOP_LOCAL_DEVBOX_WAIT_MS = '1500';
    server = await startDevboxServer();
  });
  afterAll(async () => {
    if (holdBefore === undefined) delete process.env.RUNLOOP_LOCAL_DEVBOX_WAIT_MS;
    else process.env.RUNLOOP_LOCAL_DEVBOX_WAIT_MS = holdBefore;
    await server?.dispose();
  });

  it('runs launch commands before the entrypoint, and shuts down when the entrypoint exits', async () => {
    const created = await server.request('POST', '/v1/devboxes', {
      environment_variables: { WHO: 'world' },
      launch_parameters: { launch_commands: ['echo "hello $WHO" > /home/user/launch.txt'] },
      entrypoint: 'cat /home/user/launch.txt > /home/user/entry.txt; sleep 1.5',
    });
    const running = await waitDevbox(server, created.json.id, ['running', 'failure']);
    expect(running.status).toBe('running');
    const seen = await exec(server, running.id, 'sleep 0.3; cat /home/user/entry.txt');
    expect(seen.stdout).toBe('hello world\n');
    const ended = await waitDevbox(server, running.id, ['shutdown', 'failure']);
    expect(ended).toMatchObject({ status: 'shutdown', shutdown_reason: 'entrypoint_exit' });
    const logs = await server.request('GET', `/v1/devboxes/${running.id}/logs`);
    const sources = new Set(logs.json.logs.map((l: { source: string }) => l.source));
    expect([...sources]).toEqual(expect.arrayContaining(['setup_commands', 'entrypoint', 'exec']));
  });

  it('fails a devbox whose launch command fails', async () => {
    const created = await server.request('POST', '/v1/devboxes', {
      launch_parameters: { launch_commands: ['exit 7'] },
    });
    const ended = await waitDevbox(server, created.json.id, ['running', 'failure']);
    expect(ended.status).toBe('failure');
    expect(ended.state_transitions.at(-1).status).toBe('failure');
  });

  it('mounts a text object, an unpacked tgz archive and inline files', async () => {
    const text = await uploadObject(server, 'notes.txt', 'text', 'object text\n');
    const archive = await uploadObject(
      server,
      'project.tgz',
      'tgz',
      await tgz([
        { name: './', type: 'directory' },
        { name: './src/', type: 'directory' },
        { name: './src/main.sh', content: 'echo main\n', mode: 0o755 },
        { name: './README', content: 'readme\n' },
        { name: './empty/', type: 'directory' },
        { name: '../escape.txt', content: 'nope' },
        { name: './link', type: 'symlink', linkname: '/etc/passwd' },
      ]),
    );
    const box = await createRunning(server, {
      mounts: [
        { type: 'object_mount', object_id: text, object_path: '/home/user/notes.txt' },
        { type: 'object_mount', object_id: archive, object_path: '/home/user/project' },
        { type: 'file_mount', target: '/home/user/conf/app.ini', content: 'a=1\n' },
        { type: 'file_mount', target: '/opt/app/settings.ini', content: "it's=1\n" },
        { type: 'object_mount', object_id: archive, object_path: '/srv/project' },
      ],
      file_mounts: { 'legacy.txt': 'legacy\n' },
    });
    try {
      const out = await exec(
        server,
        box.id,
        'cat notes.txt project/README conf/app.ini legacy.txt; project/src/main.sh; test -d project/empty && echo empty-dir; ls -A project; test -e escape.txt || echo no-escape',
      );
      expect(out.stdout).toBe('object text\nreadme\na=1\nlegacy\nmain\nempty-dir\nREADME\nempty\nsrc\nno-escape\n');
      const outside = await exec(
        server,
        box.id,
        'cat /opt/app/settings.ini; stat -c %U /opt/app/settings.ini /srv/project/README; /srv/project/src/main.sh',
      );
      expect(outside.stdout).toBe("it's=1\nuser\nuser\nmain\n");
    } finally {
      await shutdown(server, box.id);
    }
  });

  it('refuses mounts that need hosted services, and unknown objects', async () => {
    const broker = await server.request('POST', '/v1/devboxes', { mounts: [{ type: 'broker_mount', axon_id: 'x' }] });
    expect(broker.status).toBe(422);
    expect(broker.json.message).toMatch(/broker_mount/);
    const missing = await server.request('POST', '/v1/devboxes', {
      mounts: [{ type: 'object_mount', object_id: 'obj_missing', object_path: '/home/user/x' }],
    });
    expect(missing.status).toBe(404);
  });

  it('refuses an unknown network policy instead of dropping it, and an over-long id as too long', async () => {
    const before = (await server.request('GET', '/v1/devboxes')).json.devboxes.length;
    const devbox = await server.request('POST', '/v1/devboxes', {
      launch_parameters: { network_policy_id: 'np_nope' },
    });
    expect(devbox.status).toBe(404);
    expect(devbox.json.message).toBe('launch_parameters.network_policy_id: network policy "np_nope" does not exist');
    // At the limit the id is looked up (and not found); past it the request is refused as too long.
    const atLimit = await server.request('POST', '/v1/devboxes', {
      launch_parameters: { network_policy_id: 'x'.repeat(256) },
    });
    expect(atLimit.status).toBe(404);
    expect(atLimit.text.length).toBeLessThan(500);
    const long = await server.request('POST', '/v1/devboxes', {
      launch_parameters: { network_policy_id: 'x'.repeat(100_000) },
    });
    expect(long.status).toBe(400);
    expect(long.json.message).toMatch(/network_policy_id: expected string \(at most 256 characters/);
    // Neither request created a devbox.
    expect((await server.request('GET', '/v1/devboxes')).json.devboxes.length).toBe(before);
  });

  it('suspends (freezing a counter) and resumes it', async () => {
    const box = await createRunning(server);
    await server.request('POST', `/v1/devboxes/${box.id}/execute_async`, {
      command: 'i=0; while true; do i=$((i+1)); echo $i > /home/user/counter; sleep 0.05; done',
    });
    await exec(server, box.id, 'sleep 0.3');
    const suspended = await server.request('POST', `/v1/devboxes/${box.id}/suspend`);
    expect(suspended.json.status).toBe('suspended');
    const again = await server.request('POST', `/v1/devboxes/${box.id}/suspend`);
    expect(again.status).toBe(409);
    expect(again.headers.get('x-should-retry')).toBe('false');
    const blocked = await server.request('POST', `/v1/devboxes/${box.id}/execute`, { command: 'true' });
    expect(blocked.status).toBe(409);
    const resumed = await server.request('POST', `/v1/devboxes/${box.id}/resume`);
    expect(resumed.status).toBe(200);
    const running = await waitDevbox(server, box.id, ['running', 'failure']);
    expect(running.status).toBe('running');
    const statuses = running.state_transitions.map((t: { status: string }) => t.status);
    expect(statuses.slice(-4)).toEqual(['suspending', 'suspended', 'resuming', 'running']);
    // The frozen loop did not count while suspended and counts again now.
    const a = Number((await exec(server, box.id, 'cat /home/user/counter')).stdout);
    const b = Number((await exec(server, box.id, 'sleep 0.4; cat /home/user/counter')).stdout);
    expect(b).toBeGreaterThan(a);
    await shutdown(server, box.id);
  });

  it('shuts down an idle devbox and suspends one whose policy says so', async () => {
    const idle = await createRunning(server, {
      launch_parameters: { after_idle: { idle_time_seconds: 1, on_idle: 'shutdown' } },
    });
    const ended = await waitDevbox(server, idle.id, ['shutdown', 'failure']);
    expect(ended).toMatchObject({ status: 'shutdown', shutdown_reason: 'idle' });
    const sleepy = await createRunning(server, {
      launch_parameters: { after_idle: { idle_time_seconds: 1, on_idle: 'suspend' } },
    });
    const suspended = await waitDevbox(server, sleepy.id, ['suspended', 'failure', 'shutdown']);
    expect(suspended.status).toBe('suspended');
    await shutdown(server, sleepy.id);
  });

  it('shuts down after keep_alive_time_seconds, and reports usage', async () => {
    const box = await createRunning(server, { launch_parameters: { keep_alive_time_seconds: 1 } });
    const kept = await server.request('POST', `/v1/devboxes/${box.id}/keep_alive`);
    expect(kept.status).toBe(200);
    const ended = await waitDevbox(server, box.id, ['shutdown', 'failure']);
    expect(ended).toMatchObject({ status: 'shutdown', shutdown_reason: 'keep_alive_timeout' });
    const usage = await server.request('GET', `/v1/devboxes/${box.id}/usage`);
    expect(usage.json).toMatchObject({ id: box.id, status: 'shutdown', end_time_ms: ended.end_time_ms });
    expect(usage.json.total_active_seconds).toBeGreaterThan(0);
    expect(usage.json.total_elapsed_seconds).toBeGreaterThanOrEqual(usage.json.total_active_seconds);
    expect((await server.request('POST', `/v1/devboxes/${box.id}/keep_alive`)).status).toBe(409);
  });

  it('holds wait_for_status, then answers 408 with x-should-retry: true', async () => {
    const box = await createRunning(server);
    const res = await server.request('POST', `/v1/devboxes/${box.id}/wait_for_status`, { statuses: ['suspended'] });
    expect(res.status).toBe(408);
    expect(res.headers.get('x-should-retry')).toBe('true');
    expect(res.json.message).toMatch(/suspended/);
    await shutdown(server, box.id);
  });

  it('keeps two devboxes apart', async () => {
    const [a, b] = await Promise.all([createRunning(server), createRunning(server)]);
    try {
      await exec(server, a.id, 'echo mine > /home/user/secret.txt; echo $$ > /tmp/a.pid');
      const other = await exec(
        server,
        b.id,
        'cat /home/user/secret.txt 2>&1; test -e /tmp/a.pid || echo no-pid-file; ps -e -o pid= | wc -l',
      );
      expect(other.stdout).toMatch(/No such file/);
      expect(other.stdout).toMatch(/no-pid-file/);
      // Only a handful of processes are visible: its own PID namespace.
      expect(Number(other.stdout.trim().split('\n').at(-1))).toBeLessThan(10);
    } finally {
      await Promise.all([shutdown(server, a.id), shutdown(server, b.id)]);
    }
  });

  it('answers bad input on devbox routes with 400/404/422 JSON, never 500', async () => {
    const box = await createRunning(server);
    const cases: Array<[string, string, unknown, number]> = [
      ['GET', '/v1/devboxes/dbx_missing', undefined, 404],
      ['POST', '/v1/devboxes/dbx_missing/shutdown', undefined, 404],
      ['POST', '/v1/devboxes/dbx_missing/suspend', undefined, 404],
      ['POST', '/v1/devboxes/dbx_missing/wait_for_status', { statuses: ['running'] }, 404],
      ['GET', '/v1/devboxes/dbx_missing/logs', undefined, 404],
      ['GET', '/v1/devboxes/dbx_missing/usage', undefined, 404],
      ['POST', '/v1/devboxes/dbx_missing/keep_alive', undefined, 404],
      ['POST', '/v1/devboxes/dbx_missing/resume', undefined, 404],
      ['POST', '/v1/devboxes/dbx_missing', { name: 'x' }, 404],
      ['POST', '/v1/devboxes/create_and_await_running', { metadata: 'x' }, 400],
      ['POST', '/v1/devboxes', { mounts: [{ type: 'nfs_mount' }] }, 400],
      [
        'POST',
        '/v1/devboxes',
        { launch_parameters: { after_idle: { idle_time_seconds: 0, on_idle: 'shutdown' } } },
        400,
      ],
      ['POST', '/v1/devboxes', { launch_parameters: { keep_alive_time_seconds: 999999 } }, 400],
      ['POST', '/v1/devboxes', { launch_parameters: { resource_size_request: 'HUGE' } }, 400],
      ['POST', '/v1/devboxes', { launch_parameters: { custom_cpu_cores: 2, custom_gb_memory: 32 } }, 400],
      ['POST', '/v1/devboxes', { environment_variables: { A: 1 } }, 400],
      ['POST', '/v1/devboxes', { blueprint_id: 'bpt_x', snapshot_id: 'snp_x' }, 400],
      ['POST', '/v1/devboxes', '{not json', 400],
      ['GET', '/v1/devboxes?status=sleeping', undefined, 400],
      ['GET', '/v1/devboxes?limit=0', undefined, 400],
      ['GET', '/v1/devboxes?starting_after=dbx_unknown', undefined, 400],
      ['POST', `/v1/devboxes/${box.id}/wait_for_status`, { statuses: [] }, 400],
      ['POST', `/v1/devboxes/${box.id}/wait_for_status`, {}, 400],
      ['POST', `/v1/devboxes/${box.id}/wait_for_status`, { statuses: ['sleeping'] }, 400],
      ['POST', `/v1/devboxes/${box.id}/resume`, undefined, 409],
      ['POST', `/v1/devboxes/${box.id}`, { name: 5 }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await server.request(method, path, body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status });
      expect(res.json, path).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    await shutdown(server, box.id);
  });
});
