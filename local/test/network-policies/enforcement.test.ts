/**
 * Network policies end to end: a real server over HTTP, real isolated
 * devboxes, test hosts in a network namespace on TEST-NET-2 and a test DNS
 * server on loopback as the only upstream (never an outside address).
 * Covers allow-lists with wildcards, deny by default, allow-all, devbox
 * root's attempts to get around the filter (flushes, routes, raw sockets, direct IPs, DNS elsewhere), devbox-to-devbox through
 * tunnels, live updates, delete semantics, the official client, and that
 * nothing (chains, sets, namespaces) is left behind.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { RunloopSDK } from '@runloop/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICES } from '../../src/services.js';
import { runtimeInstanceName } from '../../src/runtime/instance.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown } from '../devboxes/helpers.js';
import { waitBlueprint } from '../snapshots/helpers.js';
import { eventually, expectNoLeftovers } from '../runtime/helpers.js';
import { TestDns, TestNetwork } from './fixtures.js';

const ROOT = { launch_parameters: { user_parameters: { username: 'root', uid: 0 } } };

/** Prints the address `name` resolves to, or the resolver's error class. */
const resolve = (name: string): string => `python3 -c "
import socket
try: print(socket.gethostbyname('${name}'))
except Exception as e: print(type(e).__name__)"`;

/** Connects to host:port and prints what it got, or the error's class. */
const connect = (host: string, port: number): string => `python3 -c "
import socket
try:
    s = socket.create_connection(('${host}', ${port}), 5); print('GOT', s.recv(100).decode().strip())
except Exception as e: print(type(e).__name__)"`;

/** Asks \`server\`:53 directly (UDP or TCP) for the A record of \`name\`; prints the rcode and answer count, or the error's class. */
const askDirectly = (server: string, name: string, tcp: boolean): string => `python3 -c "
import socket, struct
q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b''.join(bytes([len(p)]) + p.encode() for p in '${name}'.split('.')) + b'\\x00' + struct.pack('>HH', 1, 1)
try:
    if ${tcp ? 'True' : 'False'}:
        s = socket.create_connection(('${server}', 53), 5); s.sendall(struct.pack('>H', len(q)) + q); r = s.recv(2000)[2:]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5); s.sendto(q, ('${server}', 53)); r = s.recv(2000)
    print('rcode', r[3] & 15, 'answers', struct.unpack('>H', r[6:8])[0])
except Exception as e: print(type(e).__name__)"`;

/** Opens a raw IP socket (to hand-craft packets past the devbox's own stack): OPEN or the error's class. */
const rawSocket = `python3 -c "
import socket
try: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP); print('OPEN')
except Exception as e: print(type(e).__name__)"`;

describe('network policies, enforced on the host', () => {
  let net: TestNetwork;
  let dns: TestDns;
  let server: TestServer;
  let hostService: Server;
  let hostPort = 0;
  const devboxes: string[] = [];

  const run = async (id: string, command: string): Promise<string> => {
    const view = await exec(server, id, command);
    return `${view.stdout}${view.stderr}`;
  };
  const policy = async (body: Record<string, unknown>): Promise<string> => {
    const res = await server.request('POST', '/v1/network-policies', {
      name: `p-${Math.random().toString(36).slice(2)}`,
      ...body,
    });
    expect(res.status, res.text).toBe(200);
    return res.json.id as string;
  };
  const devbox = async (policyId: string | undefined, extra: Record<string, unknown> = ROOT): Promise<string> => {
    const launch = {
      ...(extra.launch_parameters as object | undefined),
      ...(policyId ? { network_policy_id: policyId } : {}),
    };
    const view = await createRunning(server, { ...extra, launch_parameters: launch });
    devboxes.push(view.id);
    return view.id as string;
  };

  beforeAll(async () => {
    net = await TestNetwork.create();
    const [h1, h2, h3] = net.hosts;
    dns = await TestDns.start({
      'allowed.test': h1,
      'other.test': h2,
      'wild.test': h3,
      'a.wild.test': h3,
      'deep.a.wild.test': h3,
      // An allowed name that points at the host itself: the runtime's refusals still apply.
      'rebind.test': net.hostSide,
    });
    hostService = createServer((socket) => socket.end('host service\n'));
    await new Promise<void>((done) => hostService.listen(0, '0.0.0.0', done));
    hostPort = (hostService.address() as { port: number }).port;
    server = await startTestServer({
      services: DEFAULT_SERVICES,
      dnsUpstreams: [dns.address],
    });
    expect(server.runtimeInfo?.mode).toBe('namespaces');
    expect(server.runtimeInfo?.networkPolicies).toBe(true);
  });

  afterAll(async () => {
    const dataDir = server?.dataDir;
    await server?.dispose();
    dns?.close();
    if (hostService !== undefined) await new Promise((done) => hostService.close(done));
    net?.close();
    if (dataDir !== undefined) await expectNoLeftovers(dataDir);
  });

  it('allows listed names and their wildcards only; refused names never leave the host; their addresses stay closed even by IP', async () => {
    const [h1, h2, h3] = net.hosts;
    const id = await devbox(await policy({ allowed_hostnames: ['allowed.test', '*.wild.test', 'rebind.test'] }));
    const asked = dns.asked.length;
    expect(await run(id, resolve('allowed.test'))).toBe(`${h1}\n`);
    expect(await run(id, connect('allowed.test', 8080))).toBe(`GOT hello ${h1}\n`);
    // Wildcards: any depth below the domain, never the domain itself.
    expect(await run(id, resolve('a.wild.test'))).toBe(`${h3}\n`);
    expect(await run(id, resolve('deep.a.wild.test'))).toBe(`${h3}\n`);
    expect(await run(id, resolve('wild.test'))).toBe('gaierror\n');
    // Not listed: not resolvable, never asked upstream, and its address is closed.
    expect(await run(id, resolve('other.test'))).toBe('gaierror\n');
    expect(dns.asked.slice(asked)).not.toContain('other.test');
    expect(dns.asked.slice(asked)).not.toContain('wild.test');
    expect(await run(id, connect(h2, 8080))).toBe('ConnectionRefusedError\n');
    // An allowed name resolving to the host itself: resolvable, but the host stays refused.
    expect(await run(id, resolve('rebind.test'))).toBe(`${net.hostSide}\n`);
    expect(await run(id, connect('rebind.test', hostPort))).toBe('ConnectionRefusedError\n');
  });

  it('denies everything for a policy with an empty list, and allows the internet (not the host) for allow-all', async () => {
    const [h1, h2] = net.hosts;
    const denied = await devbox(await policy({}));
    expect(await run(denied, resolve('allowed.test'))).toBe('gaierror\n');
    expect(await run(denied, connect(h1, 8080))).toBe('ConnectionRefusedError\n');
    const open = await devbox(await policy({ allow_all: true }));
    expect(await run(open, resolve('other.test'))).toBe(`${h2}\n`);
    expect(await run(open, connect(h2, 8080))).toBe(`GOT hello ${h2}\n`);
    expect(await run(open, connect(net.hostSide, hostPort))).toBe('ConnectionRefusedError\n');
  });

  it('stays closed whatever devbox root does: firewall flushes, routes, raw sockets, direct IPs, DNS to another server over UDP and TCP', async () => {
    const [h1, h2] = net.hosts;
    const id = await devbox(await policy({ allowed_hostnames: ['allowed.test'] }));
    const asked = dns.asked.length;
    const meddle = await run(
      id,
      'iptables -F 2>&1 | head -1; nft flush ruleset 2>&1 | head -1; ip route del default; ip route add default via 10.0.2.2 dev tap0; echo nameserver ' +
        h2 +
        ' > /etc/resolv.conf; echo done',
    );
    expect(meddle).toContain('done');
    expect(await run(id, 'cat /proc/net/ip_tables_names 2>/dev/null | wc -l')).toBe('0\n');
    // DNS sent straight to another server (a test host that runs no DNS at all) meets the answerer:
    // allowed names answer, refused ones get NXDOMAIN, over UDP and TCP alike.
    expect(await run(id, askDirectly(h2, 'allowed.test', false))).toBe('rcode 0 answers 1\n');
    expect(await run(id, askDirectly(h2, 'other.test', false))).toBe('rcode 3 answers 0\n');
    expect(await run(id, askDirectly(h2, 'allowed.test', true))).toBe('rcode 0 answers 1\n');
    expect(await run(id, askDirectly(h2, 'other.test', true))).toBe('rcode 3 answers 0\n');
    expect(dns.asked.slice(asked)).toContain('allowed.test');
    expect(dns.asked.slice(asked)).not.toContain('other.test');
    // Hand-crafted packets: devbox root gets no raw socket (and one would only reach the helper, whose
    // sockets are what the host filters). ICMP echo has no way out either: the host's ping_group_range
    // gives the helper no ping socket here, and the filter rejects every protocol to a closed address.
    expect(await run(id, rawSocket)).toBe('PermissionError\n');
    expect(await run(id, connect(h2, 8080))).toBe('ConnectionRefusedError\n');
    expect(await run(id, connect(h1, 8080))).toBe(`GOT hello ${h1}\n`);
  });

  it('lets devboxes reach each other through tunnels only when their policy says so', async () => {
    const target = await devbox(undefined, { tunnel: { auth_mode: 'open' } });
    await run(
      target,
      'mkdir -p /tmp/www && echo from-the-target > /tmp/www/index.html && (cd /tmp/www && nohup python3 -m http.server 8000 >/dev/null 2>&1 &) ; sleep 0.5',
    );
    const view = await server.request('GET', `/v1/devboxes/${target}`);
    const key = view.json.tunnel.tunnel_key as string;
    const port = new URL(server.url).port;
    const fetchTunnel = `python3 -c "
import urllib.request
try: print(urllib.request.urlopen('http://8000-${key}.tunnel.localhost:${port}/index.html', timeout=5).read().decode().strip())
except Exception as e: print(type(e).__name__)"`;
    const friend = await devbox(await policy({ allow_devbox_to_devbox: true }));
    expect(await run(friend, fetchTunnel)).toBe('from-the-target\n');
    const stranger = await devbox(await policy({ allowed_hostnames: ['allowed.test'] }));
    expect(await run(stranger, fetchTunnel)).toBe('URLError\n');
    // Nor by address: the gateway address is only NATed for devboxes allowed to use it.
    expect(await run(stranger, connect('198.18.0.1', Number(port)))).toBe('ConnectionRefusedError\n');
  });

  it('applies an update live (DNS at once, addresses of earlier answers closed) and refuses to delete a policy in use', async () => {
    const [h1, h2] = net.hosts;
    const id = await policy({ allowed_hostnames: ['allowed.test'] });
    const box = await devbox(id);
    expect(await run(box, connect('allowed.test', 8080))).toBe(`GOT hello ${h1}\n`);
    const updated = await server.request('POST', `/v1/network-policies/${id}`, { allowed_hostnames: ['other.test'] });
    expect(updated.status, updated.text).toBe(200);
    expect(await run(box, resolve('allowed.test'))).toBe('gaierror\n');
    expect(await run(box, connect(h1, 8080))).toBe('ConnectionRefusedError\n');
    expect(await run(box, connect('other.test', 8080))).toBe(`GOT hello ${h2}\n`);
    const refused = await server.request('POST', `/v1/network-policies/${id}/delete`);
    expect(refused.status).toBe(409);
    expect(refused.json.message).toContain(box);
    await shutdown(server, box);
    const deleted = await server.request('POST', `/v1/network-policies/${id}/delete`);
    expect(deleted.status, deleted.text).toBe(200);
    expect((await server.request('GET', `/v1/network-policies/${id}`)).status).toBe(404);
    const orphan = await server.request('POST', '/v1/devboxes', { launch_parameters: { network_policy_id: id } });
    expect(orphan.status).toBe(404);
    expect(orphan.json.message).toContain('launch_parameters.network_policy_id');
  });

  it('runs a blueprint build under its network_policy_id (build-time only) and refuses an unknown one', async () => {
    const [h1] = net.hosts;
    const id = await policy({ allowed_hostnames: ['allowed.test'] });
    const probe = `${resolve('allowed.test')} > /etc/netcheck; ${resolve('other.test')} >> /etc/netcheck`;
    const created = await server.request('POST', '/v1/blueprints', {
      name: 'np-build',
      system_setup_commands: [probe],
      network_policy_id: id,
    });
    expect(created.status, created.text).toBe(200);
    const built = await waitBlueprint(server, created.json.id);
    expect(built.status).toBe('build_complete');
    const box = await devbox(undefined, { blueprint_id: created.json.id });
    expect(await run(box, 'cat /etc/netcheck')).toBe(`${h1}\ngaierror\n`);
    expect(
      (await server.request('GET', `/v1/devboxes/${box}`)).json.launch_parameters.network_policy_id ?? null,
    ).toBeNull();
    for (const body of [
      { network_policy_id: 'npo_unknown' },
      { launch_parameters: { network_policy_id: 'npo_unknown' } },
    ]) {
      const refused = await server.request('POST', '/v1/blueprints', { name: 'np-unknown', ...body });
      expect(refused.status).toBe(404);
      expect(refused.json.message).toMatch(/network_policy_id: network policy "npo_unknown" does not exist/);
    }
  });

  it('serves the official client: CRUD, and a devbox created with the policy runs under it', async () => {
    const sdk = new RunloopSDK({ bearerToken: server.token, baseURL: server.url });
    const api = sdk.api;
    const created = await api.networkPolicies.create({
      name: `official-${process.pid}`,
      allowed_hostnames: ['allowed.test'],
      description: 'd',
    });
    expect(created.egress).toMatchObject({
      allow_all: false,
      allow_devbox_to_devbox: false,
      allowed_hostnames: ['allowed.test'],
    });
    expect((await api.networkPolicies.retrieve(created.id)).name).toBe(`official-${process.pid}`);
    const listed: string[] = [];
    for await (const item of api.networkPolicies.list({ limit: 1 })) listed.push(item.id);
    expect(listed).toContain(created.id);
    const updated = await api.networkPolicies.update(created.id, {
      allowed_hostnames: ['allowed.test', '*.wild.test'],
      description: null,
    });
    expect(updated.egress.allowed_hostnames).toEqual(['allowed.test', '*.wild.test']);
    expect(updated.description).toBe('d');
    const box = await sdk.devbox.create({ launch_parameters: { network_policy_id: created.id } });
    devboxes.push(box.id);
    expect(await (await box.cmd.exec(resolve('a.wild.test'))).stdout()).toBe(`${net.hosts[2]}\n`);
    expect(await (await box.cmd.exec(resolve('other.test'))).stdout()).toBe('gaierror\n');
    await box.shutdown();
    expect((await api.networkPolicies.delete(created.id)).id).toBe(created.id);
    await expect(api.networkPolicies.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it("keeps every policy chain and set in the host namespace, and removes a devbox's at its end", async () => {
    const instance = runtimeInstanceName(server.dataDir)
      .replace(/^runloop-local-/, '')
      .slice(0, 12);
    for (const id of devboxes.splice(0)) await shutdown(server, id);
    const chains = (table: string): string[] =>
      execFileSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.startsWith(`-N RLD-${instance}`));
    const sets = (): string[] =>
      execFileSync('ipset', ['list', '-n'], { encoding: 'utf8' })
        .split('\n')
        .filter((name) => name.startsWith(`RLD-${instance}`));
    const id = await devbox(await policy({ allowed_hostnames: ['allowed.test'] }));
    expect(chains('filter')).toHaveLength(1);
    expect(chains('nat')).toHaveLength(1);
    expect(sets()).toHaveLength(1);
    await shutdown(server, id);
    // Removed once the devbox is gone (its network helper with it).
    await eventually(() => chains('filter').length + chains('nat').length + sets().length === 0, 5_000).catch(
      () => undefined,
    );
    expect(chains('filter')).toEqual([]);
    expect(chains('nat')).toEqual([]);
    expect(sets()).toEqual([]);
  });
});
