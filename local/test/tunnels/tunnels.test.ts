import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request } from '../../../test/support/h2.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, pollUntil, shutdown, startAreaServer, waitDevbox } from '../snapshots/helpers.js';

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startAreaServer();
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.dispose();
});

interface Answer {
  status: number;
  body: string;
}

function get(path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const ECHO_SERVER = `
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9000)); s.listen(8)
def serve(c):
    head = b""
    while b"\\r\\n\\r\\n" not in head:
        d = c.recv(1024)
        if not d: return
        head += d
    path = head.split(b" ")[1]
    c.sendall(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: echo\\r\\nConnection: Upgrade\\r\\nX-Path: " + path + b"\\r\\n\\r\\n")
    rest = head.split(b"\\r\\n\\r\\n", 1)[1]
    if rest: c.sendall(rest)
    while True:
        d = c.recv(1024)
        if not d: break
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
`;

describe('tunnels', () => {
  it('proxies HTTP to a server inside the devbox by Host and by path, and removal stops it', async () => {
    const devbox = await createRunning(server);
    await exec(server, devbox.id, 'mkdir -p ~/www && echo "hello through the tunnel" > ~/www/hello.txt');
    await exec(server, devbox.id, 'cd ~/www && (nohup python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &)');
    const enabled = await server.request('POST', `/v1/devboxes/${devbox.id}/enable_tunnel`, {});
    expect(enabled.status, enabled.text).toBe(200);
    const tunnel = enabled.json;
    expect(tunnel).toMatchObject({ auth_mode: 'open', http_keep_alive: true, wake_on_http: false });
    expect(tunnel.tunnel_key).toMatch(/^[a-z0-9]+$/);
    expect(tunnel.auth_token).toBeUndefined();

    const host = `8000-${tunnel.tunnel_key}.tunnel.localhost:${port}`;
    const byHost = await pollUntil(
      () => get('/hello.txt', { host }),
      (a) => a.status === 200,
    );
    expect(byHost.body).toBe('hello through the tunnel\n');
    const byPath = await get(`/tunnel/${tunnel.tunnel_key}/8000/hello.txt`, {});
    expect(byPath).toEqual({ status: 200, body: 'hello through the tunnel\n' });
    // h2c clients (the official client's transport) reach tunnels too.
    const overH2 = await h2Request(server.url, { method: 'GET', path: '/hello.txt', headers: { ':authority': host } });
    expect({ status: overH2.status, body: overH2.body.toString() }).toEqual({
      status: 200,
      body: 'hello through the tunnel\n',
    });
    const missing = await get('/nope.txt', { host });
    expect(missing.status).toBe(404);
    const closedPort = await get('/', { host: `8001-${tunnel.tunnel_key}.tunnel.localhost` });
    expect(closedPort.status).toBe(502);
    // Enabling again returns the same tunnel.
    expect((await server.request('POST', `/v1/devboxes/${devbox.id}/enable_tunnel`, {})).json.tunnel_key).toBe(
      tunnel.tunnel_key,
    );

    expect((await server.request('POST', `/v1/devboxes/${devbox.id}/remove_tunnel`)).status).toBe(200);
    expect((await get('/hello.txt', { host })).status).toBe(404);
    await shutdown(server, devbox.id);
  });

  it('a tunnel asked for at devbox create is live once the devbox runs, and shows in every view', async () => {
    const created = await server.request('POST', '/v1/devboxes', { tunnel: { auth_mode: 'authenticated' } });
    expect(created.status, created.text).toBe(200);
    const tunnel = created.json.tunnel;
    expect(tunnel).toMatchObject({
      auth_mode: 'authenticated',
      tunnel_key: expect.stringMatching(/^[a-z0-9]+$/),
      auth_token: expect.any(String),
    });
    const running = await waitDevbox(server, created.json.id, ['running', 'failure']);
    expect(running.status).toBe('running');
    expect(running.tunnel).toEqual(tunnel);
    expect((await server.request('GET', `/v1/devboxes/${created.json.id}`)).json.tunnel).toEqual(tunnel);
    // Enabling again is not a second tunnel.
    expect((await server.request('POST', `/v1/devboxes/${created.json.id}/enable_tunnel`, {})).json.tunnel_key).toBe(
      tunnel.tunnel_key,
    );

    await exec(
      server,
      created.json.id,
      'cd /tmp && echo created > c.txt && (nohup python3 -m http.server 8081 --bind 127.0.0.1 >/dev/null 2>&1 &)',
    );
    const host = `8081-${tunnel.tunnel_key}.tunnel.localhost`;
    const auth = { host, 'x-runloop-tunnel-authorization': `Bearer ${tunnel.auth_token}` };
    const ok = await pollUntil(
      () => get('/c.txt', auth),
      (a) => a.status === 200,
    );
    expect(ok.body).toBe('created\n');
    expect((await get('/c.txt', { host })).status).toBe(401);
    await shutdown(server, created.json.id);
    expect((await get('/c.txt', auth)).status).toBe(404);
  });

  it('an authenticated tunnel needs its token', async () => {
    const devbox = await createRunning(server);
    await exec(
      server,
      devbox.id,
      'cd /tmp && echo secret > s.txt && (nohup python3 -m http.server 8080 --bind 127.0.0.1 >/dev/null 2>&1 &)',
    );
    const tunnel = (
      await server.request('POST', `/v1/devboxes/${devbox.id}/enable_tunnel`, { auth_mode: 'authenticated' })
    ).json;
    expect(tunnel.auth_mode).toBe('authenticated');
    expect(typeof tunnel.auth_token).toBe('string');
    const host = `8080-${tunnel.tunnel_key}.tunnel.localhost`;
    expect((await get('/s.txt', { host })).status).toBe(401);
    expect((await get('/s.txt', { host, 'x-runloop-tunnel-authorization': 'Bearer wrong' })).status).toBe(401);
    const ok = await pollUntil(
      () => get('/s.txt', { host, 'x-runloop-tunnel-authorization': `Bearer ${tunnel.auth_token}` }),
      (a) => a.status === 200,
    );
    expect(ok.body).toBe('secret\n');
    await shutdown(server, devbox.id);
    // The tunnel ends with its devbox.
    expect(
      (await get('/s.txt', { host, 'x-runloop-tunnel-authorization': `Bearer ${tunnel.auth_token}` })).status,
    ).toBe(404);
  });

  it('splices Upgrade connections both ways and closes them when the tunnel is removed', async () => {
    const devbox = await createRunning(server);
    await server.request('POST', `/v1/devboxes/${devbox.id}/write_file_contents`, {
      file_path: 'echo.py',
      contents: ECHO_SERVER,
    });
    await exec(server, devbox.id, '(nohup python3 ~/echo.py >/dev/null 2>&1 &)');
    const tunnel = (await server.request('POST', `/v1/devboxes/${devbox.id}/enable_tunnel`, {})).json;
    const socket = await pollUntil(
      () =>
        new Promise<{ socket: import('node:net').Socket; head: string }>((resolve) => {
          const s = connect(port, '127.0.0.1');
          let head = '';
          s.on('data', (d) => {
            head += d.toString();
            if (head.includes('\r\n\r\n')) {
              s.removeAllListeners('data');
              resolve({ socket: s, head });
            }
          });
          s.on('error', () => resolve({ socket: s, head: 'error' }));
          s.on('close', () => resolve({ socket: s, head: head || 'closed' }));
          s.write(
            `GET /ws?x=1 HTTP/1.1\r\nHost: 9000-${tunnel.tunnel_key}.tunnel.localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`,
          );
        }),
      (r) => {
        if (r.head.startsWith('HTTP/1.1 101')) return true;
        r.socket.destroy();
        return false;
      },
    );
    expect(socket.head).toContain('X-Path: /ws?x=1');
    const echoed = new Promise<string>((resolve) => socket.socket.once('data', (d) => resolve(d.toString())));
    socket.socket.write('ping');
    expect(await echoed).toBe('ping');
    const closed = new Promise<void>((resolve) => socket.socket.once('close', () => resolve()));
    await server.request('POST', `/v1/devboxes/${devbox.id}/remove_tunnel`);
    await closed;
    await shutdown(server, devbox.id);
  });

  it('answers 404 for unknown keys and devboxes', async () => {
    expect((await get('/', { host: '80-0123456789abcdef.tunnel.localhost' })).status).toBe(404);
    expect((await server.request('POST', '/v1/devboxes/dbx_nope/enable_tunnel', {})).status).toBe(404);
  });
  it('wake_on_http resumes a suspended devbox; without it a suspended devbox answers 503', async () => {
    const devbox = await createRunning(server);
    await exec(
      server,
      devbox.id,
      'cd /tmp && echo awake > w.txt && (nohup python3 -m http.server 8090 --bind 127.0.0.1 >/dev/null 2>&1 &)',
    );
    const tunnel = (await server.request('POST', `/v1/devboxes/${devbox.id}/enable_tunnel`, { wake_on_http: true }))
      .json;
    expect(tunnel.wake_on_http).toBe(true);
    const host = `8090-${tunnel.tunnel_key}.tunnel.localhost`;
    await pollUntil(
      () => get('/w.txt', { host }),
      (a) => a.status === 200,
    );
    expect((await server.request('POST', `/v1/devboxes/${devbox.id}/suspend`)).status).toBe(200);
    await waitDevbox(server, devbox.id, ['suspended']);
    const woken = await get('/w.txt', { host });
    expect(woken).toEqual({ status: 200, body: 'awake\n' });
    expect((await server.request('GET', `/v1/devboxes/${devbox.id}`)).json.status).toBe('running');

    const other = await createRunning(server);
    const sleepy = (await server.request('POST', `/v1/devboxes/${other.id}/enable_tunnel`, {})).json;
    await server.request('POST', `/v1/devboxes/${other.id}/suspend`);
    await waitDevbox(server, other.id, ['suspended']);
    expect((await get('/', { host: `8090-${sleepy.tunnel_key}.tunnel.localhost` })).status).toBe(503);
    await Promise.all([shutdown(server, devbox.id), shutdown(server, other.id)]);
  });
});
