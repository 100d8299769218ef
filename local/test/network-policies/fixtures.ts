/**
 * Test network for the network-policy tests, all on this machine: test
 * hosts in a network namespace this file creates (a veth pair on a /29 of
 * TEST-NET-2 chosen by pid, so parallel runs and `runtime/network.test.ts`
 * do not share one), a TCP service on each host address, and a DNS server on
 * loopback that answers the test names with those addresses and records
 * every question it gets (to prove a refused name never left the host).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { processExists } from '../../src/runtime/process-group.js';

const ip = (...args: string[]): string =>
  execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The test hosts: `hostSide` is the host's end of the veth (a host address:
 * must stay unreachable), `hosts` three servers that answer `hello <address>`.
 *
 * @example
 * const net = await TestNetwork.create(); net.hosts[0]; await net.close();
 */
export class TestNetwork {
  private constructor(
    readonly name: string,
    readonly hostSide: string,
    readonly hosts: readonly [string, string, string],
    private readonly server: ChildProcess,
  ) {}

  static async create(): Promise<TestNetwork> {
    removeDeadNamespaces();
    // `ip netns add` races with other processes' netns changes on a busy host (its bind mount can be
    // missing when the link moves in): start over a few times before giving up.
    for (let attempt = 1; ; attempt++) {
      try {
        return TestNetwork.createOnce();
      } catch (error) {
        removeNamespace(`rlnp-${process.pid}`);
        if (attempt === 3) throw error;
      }
    }
  }

  private static createOnce(): TestNetwork {
    const name = `rlnp-${process.pid}`;
    // /29s 2..31 of 198.51.100.0/24 (the first /28 is network.test.ts's test host).
    const base = 8 * (2 + (process.pid % 30));
    const at = (n: number): string => `198.51.100.${base + n}`;
    ip('netns', 'add', name);
    ip('link', 'add', `${name}-h`, 'type', 'veth', 'peer', 'name', `${name}-n`);
    ip('link', 'set', `${name}-n`, 'netns', name);
    ip('addr', 'add', `${at(1)}/29`, 'dev', `${name}-h`);
    ip('link', 'set', `${name}-h`, 'up');
    for (const n of [2, 3, 4]) ip('netns', 'exec', name, 'ip', 'addr', 'add', `${at(n)}/29`, 'dev', `${name}-n`);
    ip('netns', 'exec', name, 'ip', 'link', 'set', `${name}-n`, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    const server = spawn(
      'ip',
      [
        'netns',
        'exec',
        name,
        'timeout',
        '600',
        'python3',
        '-c',
        `import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 8080)); s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(('hello ' + c.getsockname()[0] + '\\n').encode()); c.close()`,
      ],
      { stdio: 'ignore' },
    );
    return new TestNetwork(name, at(1), [at(2), at(3), at(4)], server);
  }

  close(): void {
    this.server.kill('SIGKILL');
    execFileSync('ip', ['netns', 'delete', this.name], { stdio: 'ignore' });
    try {
      execFileSync('ip', ['link', 'delete', `${this.name}-h`], { stdio: 'ignore' });
    } catch {
      // gone with its namespace
    }
  }
}

/** A killed run left its namespace: its pid is gone, so it is ours to remove. */
function removeDeadNamespaces(): void {
  for (const name of ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')) {
    const pid = /^rlnp-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && !processExists(Number(pid))) removeNamespace(name);
  }
}

function removeNamespace(name: string): void {
  for (const args of [
    ['netns', 'delete', name],
    ['link', 'delete', `${name}-h`],
  ]) {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

/**
 * A DNS server on 127.0.0.1 answering A questions from a fixed table
 * (NXDOMAIN otherwise); `asked` lists every name it was asked.
 *
 * @example
 * const dns = await TestDns.start({ 'allowed.test': '198.51.100.18' }); dns.address; // '127.0.0.1:40123'
 */
export class TestDns {
  readonly asked: string[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly table: Readonly<Record<string, string>>,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  static async start(table: Readonly<Record<string, string>>): Promise<TestDns> {
    const socket = createSocket('udp4');
    const dns = new TestDns(socket, table);
    socket.on('message', (message, from) => {
      const query = dnsPacket.decode(message);
      const question = query.questions?.[0];
      if (question === undefined) return;
      const name = question.name.toLowerCase();
      dns.asked.push(name);
      const address = dns.table[name];
      const answers =
        address !== undefined && question.type === 'A'
          ? [{ type: 'A' as const, name: question.name, ttl: 5, data: address }]
          : [];
      const rcode = address === undefined ? 3 : 0;
      socket.send(
        dnsPacket.encode({
          type: 'response',
          id: query.id ?? 0,
          flags: dnsPacket.RECURSION_AVAILABLE | rcode,
          questions: query.questions ?? [],
          answers,
        }),
        from.port,
        from.address,
      );
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return dns;
  }

  close(): void {
    this.socket.close();
  }
}
