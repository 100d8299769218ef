/**
 * The DNS answerer of one devbox under a network policy: a UDP and a TCP
 * listener on the host's loopback that every DNS packet of the devbox is
 * redirected to (host NAT, see `devbox-egress.ts`). It answers a name only
 * when the policy allows it, by asking the upstream resolvers, and reports
 * the IPv4 addresses of each answer before replying, so the devbox's
 * connect that follows the answer already meets an open filter. Every other
 * name gets NXDOMAIN.
 *
 * Messages are parsed and built with `dns-packet` (the field's usual codec,
 * used by mafintosh's and many other Node DNS tools) rather than by hand.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { hostnameAllowed } from './hostnames.js';

/**
 * A resolver the answerer forwards allowed questions to.
 *
 * @example
 * const upstream: DnsUpstream = { host: '127.0.0.1', port: 5353 };
 */
export interface DnsUpstream {
  readonly host: string;
  readonly port: number;
}

/**
 * What the answerer lets through, read anew for every question (so a policy update is live).
 *
 * @example
 * const rules: AnswerRules = { allowAll: false, hostnames: ['*.example.com'], tunnelAddress: undefined };
 */
export interface AnswerRules {
  readonly allowAll: boolean;
  readonly hostnames: readonly string[];
  /** Answered for every `*.tunnel.localhost` name when the devbox may reach other devboxes' tunnels. */
  readonly tunnelAddress: string | undefined;
}

/**
 * An IPv4 address an answer named, with how long (seconds) the answer said it holds.
 *
 * @example
 * const resolved: ResolvedAddress = { address: '198.51.100.10', ttl: 300 };
 */
export interface ResolvedAddress {
  readonly address: string;
  readonly ttl: number;
}

/**
 * How to build a {@link DnsAnswerer}.
 *
 * @example
 * const options: DnsAnswererOptions = { upstreams, rules: () => current, allow: (addresses) => egress.allow(addresses) };
 */
export interface DnsAnswererOptions {
  readonly upstreams: readonly DnsUpstream[];
  readonly rules: () => AnswerRules;
  /** Opens the filter for an answer's addresses, given under `rules`; the reply waits for it. */
  readonly allow: (addresses: readonly ResolvedAddress[], rules: AnswerRules) => Promise<void>;
}

/** Per upstream; the devbox's resolver retries on its own. */
const UPSTREAM_TIMEOUT_MS = 2_000;
/** Questions in flight at once: a devbox flooding its resolver gets drops, never host load. */
const MAX_IN_FLIGHT = 64;
/** TCP connections from the devbox at once, and how long an idle one stays. */
const MAX_TCP_CONNECTIONS = 16;
const TCP_IDLE_MS = 10_000;
const TUNNEL_SUFFIX = '.tunnel.localhost';

/**
 * One devbox's DNS answerer on `127.0.0.1` (ports chosen by the kernel).
 *
 * @example
 * const answerer = await DnsAnswerer.start({ upstreams: [{ host: '10.255.255.53', port: 53 }], rules: () => rules, allow: async () => {} });
 * console.log(answerer.udpPort, answerer.tcpPort);
 * await answerer.close();
 */
export class DnsAnswerer {
  private inFlight = 0;
  private readonly connections = new Set<Socket>();

  private constructor(
    private readonly options: DnsAnswererOptions,
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
  ) {}

  /** The UDP port the devbox's DNS is redirected to. */
  get udpPort(): number {
    return this.udp.address().port;
  }

  /** The TCP port (DNS over TCP: large answers, `dig +tcp`). */
  get tcpPort(): number {
    return (this.tcp.address() as { port: number }).port;
  }

  /** Binds both listeners; resolves once they are ready. */
  static async start(options: DnsAnswererOptions): Promise<DnsAnswerer> {
    const udp = createSocket('udp4');
    const tcp = createServer();
    const answerer = new DnsAnswerer(options, udp, tcp);
    udp.on('message', (message, from) => answerer.onDatagram(message, from.address, from.port));
    udp.on('error', () => undefined);
    tcp.on('connection', (socket) => answerer.onConnection(socket));
    tcp.on('error', () => undefined);
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve());
    });
    return answerer;
  }

  /** Closes both listeners and every open TCP connection. */
  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.allSettled([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private onDatagram(message: Buffer, host: string, port: number): void {
    void this.answerBounded(message, 'udp').then((reply) => {
      if (reply !== undefined) this.udp.send(reply, port, host, () => undefined);
    });
  }

  private onConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        void this.answerBounded(message, 'tcp').then((reply) => {
          if (reply !== undefined && !socket.destroyed) socket.write(withLength(reply));
        });
      }
    });
  }

  private async answerBounded(message: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (this.inFlight >= MAX_IN_FLIGHT) return undefined;
    this.inFlight++;
    try {
      return await this.answer(message, transport);
    } catch {
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  /** The reply to one query, or undefined to drop it (not a query, or nothing to say). */
  private async answer(message: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const query = decodeOrUndefined(message);
    if (query === undefined || query.type !== 'query') return undefined;
    const question = query.questions?.[0];
    if (question === undefined || query.questions!.length !== 1) return reply(query, RCODE.formErr);
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const rules = this.options.rules();
    if (rules.tunnelAddress !== undefined && name.endsWith(TUNNEL_SUFFIX)) {
      const answers =
        question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, data: rules.tunnelAddress }] : [];
      return reply(query, RCODE.noError, answers);
    }
    if (!rules.allowAll && !hostnameAllowed(name, rules.hostnames)) return reply(query, RCODE.nxDomain);
    const answer = await this.forward(message, transport);
    if (answer === undefined) return reply(query, RCODE.servFail);
    if (!rules.allowAll) {
      const decoded = decodeOrUndefined(answer);
      const addresses = (decoded?.answers ?? []).flatMap((record) =>
        record.type === 'A' ? [{ address: record.data, ttl: record.ttl ?? 0 }] : [],
      );
      if (addresses.length > 0) await this.options.allow(addresses, rules);
    }
    return answer;
  }

  /**
   * Asks each upstream in turn; the first answer to this very question wins.
   * Over UDP first, whatever the devbox used; a question that came over TCP
   * goes over TCP when the UDP answer was truncated or did not come.
   */
  private async forward(message: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const sameQuestion = (answer: Buffer | undefined): answer is Buffer =>
      answer !== undefined && answer.length >= 12 && answer.readUInt16BE(0) === message.readUInt16BE(0);
    for (const upstream of this.options.upstreams) {
      const answer = await askUdp(message, upstream);
      const truncated = sameQuestion(answer) && (answer.readUInt16BE(2) & TRUNCATED) !== 0;
      if (sameQuestion(answer) && !(truncated && transport === 'tcp')) return answer;
      if (transport === 'tcp') {
        const overTcp = await askTcp(message, upstream);
        if (sameQuestion(overTcp)) return overTcp;
      }
    }
    return undefined;
  }
}

const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3 } as const;
/** The TC bit of a header's flags word. */
const TRUNCATED = 0x0200;

function decodeOrUndefined(message: Buffer): dnsPacket.DecodedPacket | undefined {
  try {
    return dnsPacket.decode(message);
  } catch {
    return undefined;
  }
}

function reply(query: dnsPacket.DecodedPacket, rcode: number, answers: dnsPacket.Answer[] = []): Buffer {
  const flags = (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | rcode;
  return dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags, questions: query.questions ?? [], answers });
}

function withLength(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** One UDP exchange from a fresh socket (a fresh random source port per question). */
function askUdp(message: Buffer, upstream: DnsUpstream): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (answer: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), UPSTREAM_TIMEOUT_MS);
    socket.on('error', () => done(undefined));
    socket.on('message', (answer, from) => {
      if (from.port === upstream.port) done(answer);
    });
    socket.connect(upstream.port, upstream.host, () => socket.send(message));
  });
}

/** One TCP exchange (length-prefixed). */
function askTcp(message: Buffer, upstream: DnsUpstream): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(upstream.port, upstream.host);
    let received = Buffer.alloc(0);
    const done = (answer: Buffer | undefined): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(UPSTREAM_TIMEOUT_MS, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('connect', () => socket.write(withLength(message)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
        done(received.subarray(2, 2 + received.readUInt16BE(0)));
    });
    socket.on('end', () => done(undefined));
  });
}
