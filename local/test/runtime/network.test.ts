/**
 * Outbound network of isolated devboxes, against test hosts this file makes
 * itself (a network namespace with a veth pair on TEST-NET-2, 198.51.100.0/24;
 * never an outside address): an allowed host is reachable by name; the host
 * itself (every address of it, loopback included) is not, whatever devbox
 * root does to its own routes; and the filter lives where the devbox cannot see it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processExists } from '../../src/runtime/process-group.js';
import { run, useRuntime } from './helpers.js';

const NS = `rltest-${process.pid}`;
const HOST_SIDE = '198.51.100.1';
const TEST_HOST = '198.51.100.10';
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** Every IPv4 address of the host but loopback (eth0's, and this file's veth). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

/** A python3 -c that connects to host:port and prints what it got, or the error's class. */
const connect = (host: string, port: number): string =>
  `python3 -c "import socket
try:
    s = socket.create_connection(('${host}', ${port}), 5); print('GOT', s.recv(100).decode().strip())
except Exception as e:
    print(type(e).__name__)"`;

describe('devbox outbound network', () => {
  const fx = useRuntime('namespaces');
  let web: ChildProcess | undefined;
  let hostService: Server | undefined;
  let hostPort = 0;

  beforeAll(async () => {
    // A run of this file that was killed left its test host behind: its pid is gone, so it is ours to remove.
    for (const name of ip('netns', 'list')
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')) {
      const pid = /^rltest-(\d+)$/.exec(name)?.[1];
      if (pid === undefined || processExists(Number(pid))) continue;
      for (const args of [
        ['netns', 'delete', name],
        ['link', 'delete', `${name}-h`],
      ]) {
        try {
          execFileSync('ip', args, { stdio: 'ignore' });
        } catch {
          // already gone with its namespace
        }
      }
    }
    // In CI, a fresh namespace has twice vanished within ~100 ms of `ip netns add` while other test
    // files ran (its bind mount gone, so the veth pair went with it); the cause is not found yet
    // (see local/test/network-policies/fixtures.ts, which saw the same). Start over, at most 3 times.
    for (let attempt = 1; ; attempt++) {
      try {
        ip('netns', 'add', NS);
        ip('link', 'add', `${NS}-h`, 'type', 'veth', 'peer', 'name', `${NS}-n`);
        ip('link', 'set', `${NS}-n`, 'netns', NS);
        ip('addr', 'add', `${HOST_SIDE}/24`, 'dev', `${NS}-h`);
        ip('link', 'set', `${NS}-h`, 'up');
        ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${TEST_HOST}/24`, 'dev', `${NS}-n`);
        ip('netns', 'exec', NS, 'ip', 'link', 'set', `${NS}-n`, 'up');
        ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
        break;
      } catch (error) {
        process.stderr.write(`network test host, attempt ${attempt}: ${String(error)}\n`);
        for (const args of [
          ['netns', 'delete', NS],
          ['link', 'delete', `${NS}-h`],
        ]) {
          try {
            execFileSync('ip', args, { stdio: 'ignore' });
          } catch {
            // not made yet, or gone with its namespace
          }
        }
        if (attempt === 3) throw error;
      }
    }
    // The test host: a tiny TCP service inside its namespace, bounded in time.
    web = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        'timeout',
        '300',
        'python3',
        '-c',
        `import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('${TEST_HOST}', 8080)); s.listen()
while True:
    c, _ = s.accept(); c.sendall(b'hello from the test host\\n'); c.close()`,
      ],
      { stdio: 'ignore' },
    );
    // A service of the host itself, on every address (as a careless daemon would bind).
    const service = createServer((socket) => socket.end('host service\n'));
    hostService = service;
    await new Promise<void>((resolve) => service.listen(0, '0.0.0.0', resolve));
    hostPort = (service.address() as { port: number }).port;
  });

  afterAll(async () => {
    web?.kill('SIGKILL');
    // beforeAll may have failed before the service existed: close() of nothing would never call back.
    const service = hostService;
    if (service !== undefined) await new Promise((resolve) => service.close(resolve));
    for (const args of [
      ['netns', 'delete', NS],
      ['link', 'delete', `${NS}-h`],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        // never made (beforeAll failed first), or gone with its namespace
      }
    }
  });

  it('says it gives isolated devboxes filtered outbound network', () => {
    expect(fx.runtime.info.detail).toMatch(
      /reach the internet through slirp4netns; the host, private and link-local networks are refused/,
    );
  });

  it('reaches an allowed host by name', async () => {
    const devbox = await fx.start();
    await run(devbox, `echo '${TEST_HOST} testhost' >> /etc/hosts`, { user: 'root' });
    expect((await run(devbox, connect('testhost', 8080))).stdout).toBe('GOT hello from the test host\n');
  });

  it("never reaches the host: its own addresses, its loopback, the network helper's host side", async () => {
    const devbox = await fx.start();
    // The host service does answer on those addresses from the host: a refusal below is the filter's doing.
    // (Asynchronously: this process serves that service.)
    const fromHost = await promisify(execFile)('python3', [
      '-c',
      connect(HOST_SIDE, hostPort).replace(/^python3 -c "|"$/g, ''),
    ]);
    expect(fromHost.stdout).toBe('GOT host service\n');
    for (const host of [HOST_SIDE, ...hostAddresses()]) {
      expect((await run(devbox, connect(host, hostPort))).stdout, host).toBe('ConnectionRefusedError\n');
    }
    // The helper's own way to the host's loopback is switched off too.
    expect((await run(devbox, connect('10.0.2.2', hostPort))).stdout).not.toMatch(/^GOT/);
    // 127.0.0.1 is the devbox's own loopback, where nothing listens.
    expect((await run(devbox, connect('127.0.0.1', hostPort))).stdout).toBe('ConnectionRefusedError\n');
  });

  it("keeps the filter out of devbox root's reach: its own routes and interfaces change nothing", async () => {
    const devbox = await fx.start();
    const meddle = await run(
      devbox,
      'ip route del default; ip route add default via 10.0.2.2 dev tap0; ip route add 198.51.100.1/32 via 10.0.2.2 dev tap0; ip link set tap0 mtu 1500; iptables -F 2>&1 | head -1; nft flush ruleset 2>&1 | head -1; true',
      { user: 'root' },
    );
    expect(meddle.code).toBe(0);
    expect((await run(devbox, connect(HOST_SIDE, hostPort))).stdout).toBe('ConnectionRefusedError\n');
    // The chain is a host one: nothing of it exists inside.
    expect((await run(devbox, 'cat /proc/net/ip_tables_names 2>/dev/null | wc -l')).stdout.trim()).toBe('0');
  });

  it('gives a devbox no IPv6 way out: no v6 default route, and one devbox root adds leads nowhere (the helper runs IPv4 only)', async () => {
    const devbox = await fx.start();
    // A documentation-prefix address: even a working v6 path would never leave this machine's test setup.
    const v6 = `python3 -c "
import socket
try:
    s = socket.socket(socket.AF_INET6); s.settimeout(3); s.connect(('2001:db8::1', 8080)); print('CONNECTED')
except Exception as e: print(type(e).__name__)"`;
    expect((await run(devbox, 'ip -6 route show default | wc -l')).stdout.trim()).toBe('0');
    expect((await run(devbox, v6)).stdout).toBe('OSError\n');
    await run(devbox, 'ip -6 addr add 2001:db8::2/64 dev tap0; ip -6 route add default dev tap0', { user: 'root' });
    expect((await run(devbox, v6)).stdout).not.toBe('CONNECTED\n');
    expect((await run(devbox, v6)).stdout).toMatch(/^(OSError|TimeoutError|ConnectionRefusedError)\n$/);
  });

  it('gives a host-network devbox no helper and no filter (builds use the host network for now)', async () => {
    const devbox = await fx.start({ network: 'host' });
    expect((await run(devbox, 'ip link show tap0 >/dev/null 2>&1 && echo tap || echo none')).stdout).toBe('none\n');
  });
});
