/**
 * A network policy in force for one isolated devbox, all of it on the host,
 * in the host's network namespace (where devbox root has no say):
 *
 * - an ipset (`hash:net` with timeouts) of the addresses the devbox may
 *   reach: what its allowed names resolved to, each for the answer's TTL
 *   (at least {@link MIN_ALLOW_SECONDS}); both halves of IPv4 for allow-all;
 * - a `nat` chain, matched on the devbox's cgroup (its network helper's
 *   sockets), that redirects every DNS packet, to whichever server, to the
 *   devbox's {@link DnsAnswerer} on loopback, and the tunnel gateway address
 *   to the server's listener when devbox-to-devbox is allowed;
 * - a `filter` chain, jumped to first from the runtime's egress chain, that
 *   lets through the answerer, the gateway, connections already allowed, and
 *   the set's addresses, and rejects the rest. What it lets through still
 *   meets the runtime chain's refusals (host, private, link-local), so an
 *   allowed name that resolves to 127.0.0.1 or 169.254.169.254 stays refused.
 *
 * Chains and set share one name, `RLD-<instance hash>-<server pid>-<n>`, so
 * a dead server's leftovers are found by prefix and pid (`network.ts`).
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { DnsAnswerer, type AnswerRules, type DnsUpstream, type ResolvedAddress } from './dns-answerer.js';

const run = promisify(execFile);
const PATH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/**
 * An answered address stays open at least this long, even when the answer's TTL is shorter (clients cache).
 *
 * @example
 * const seconds = Math.max(MIN_ALLOW_SECONDS, answer.ttl);
 */
export const MIN_ALLOW_SECONDS = 300;
/** And at most this long (an answer may claim a week). */
const MAX_ALLOW_SECONDS = 86_400;
/**
 * What `*.tunnel.localhost` resolves to inside a devbox that may reach other
 * devboxes: an address of the benchmarking range (198.18.0.0/15, refused to
 * every devbox), NATed on the host to the server's listener, where tunnels are served.
 *
 * @example
 * answer(question, TUNNEL_GATEWAY_ADDRESS); // for `<key>.tunnel.localhost`
 */
export const TUNNEL_GATEWAY_ADDRESS = '198.18.0.1';
/** Both halves of IPv4: `hash:net` has no /0. */
const EVERYWHERE = ['0.0.0.0/1', '128.0.0.0/1'] as const;

/**
 * The rules of one devbox's outbound network under a policy.
 *
 * @example
 * const policy: EgressPolicy = { allowAll: false, hostnames: ['github.com', '*.npmjs.org'], devboxGateway: undefined };
 */
export interface EgressPolicy {
  /** Every public address, as without a policy (the host and private ranges stay refused). */
  readonly allowAll: boolean;
  /** Names (`*.` wildcards allowed) the devbox may resolve, and then reach at what they resolved to. */
  readonly hostnames: readonly string[];
  /** The server's listener (tunnels), when the devbox may reach other devboxes' tunnels. */
  readonly devboxGateway: { readonly host: string; readonly port: number } | undefined;
}

/**
 * Where one devbox's policy is installed.
 *
 * @example
 * const egress = await DevboxEgress.install({ name: 'RLD-3f2a9c1b7d0e-1x2-0', cgroupPath: 'runloop-local-3f2a9c1b7d0e/dbx_1', runtimeChain, upstreams, policy });
 */
export interface DevboxEgressOptions {
  /** Chain and set name (at most 28 characters). */
  readonly name: string;
  /** The devbox's v2 cgroup, relative to the v2 root (what `-m cgroup --path` takes). */
  readonly cgroupPath: string;
  /** The runtime's egress chain, in both `filter` and `nat`. */
  readonly runtimeChain: string;
  readonly upstreams: readonly DnsUpstream[];
  readonly policy: EgressPolicy;
}

/**
 * One devbox's installed policy: {@link DevboxEgress.install} before its
 * network helper starts, {@link DevboxEgress.update} live, {@link DevboxEgress.remove} at its end.
 *
 * @example
 * const egress = await DevboxEgress.install(options);
 * await egress.update({ ...options.policy, hostnames: ['example.com'] });
 * await egress.remove();
 */
export class DevboxEgress {
  private policy: EgressPolicy;
  /** What the answerer answers by; a new object on every update. */
  private rules: AnswerRules;
  private removed = false;

  private constructor(
    private readonly options: DevboxEgressOptions,
    private readonly answerer: DnsAnswerer,
  ) {
    this.policy = options.policy;
    this.rules = answerRules(options.policy);
  }

  /**
   * Starts the answerer and creates the set (at the same time: both are
   * independent), then both chains and their jumps in one restore; undoes it
   * all on failure.
   */
  static async install(options: DevboxEgressOptions): Promise<DevboxEgress> {
    let egress: DevboxEgress | undefined;
    const initial = answerRules(options.policy);
    const rules = (): AnswerRules => egress?.rules ?? initial;
    const [answerer, set] = await Promise.allSettled([
      DnsAnswerer.start({
        upstreams: options.upstreams,
        rules,
        allow: (addresses, asked) => egress!.allow(addresses, asked),
      }),
      ipsetRestore([
        `create ${options.name} hash:net timeout ${MIN_ALLOW_SECONDS}`,
        ...setLines(options.name, options.policy),
      ]),
    ]);
    if (answerer.status === 'rejected') {
      if (set.status === 'fulfilled') await ipset(['destroy', options.name]).catch(() => undefined);
      throw answerer.reason;
    }
    egress = new DevboxEgress(options, answerer.value);
    try {
      if (set.status === 'rejected') throw set.reason;
      await restore(egress.chains(true));
      return egress;
    } catch (error) {
      await egress.remove();
      throw error;
    }
  }

  /** Puts `policy` in force at once: new names answer by it, addresses opened before are forgotten. */
  async update(policy: EgressPolicy): Promise<void> {
    if (this.removed) return;
    this.policy = policy;
    this.rules = answerRules(policy);
    // The chains first (gateway rules), in one atomic restore; then the set.
    await restore(this.chains(false));
    await ipsetRestore([`flush ${this.options.name}`, ...setLines(this.options.name, policy)]);
  }

  /** Takes everything out again; never throws, safe to call twice. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    const { name, cgroupPath, runtimeChain } = this.options;
    const jump = ['-m', 'cgroup', '--path', cgroupPath, '-j', name];
    // One restore normally; rule by rule when part of it is gone already (a failed install).
    const everything = ['filter', 'nat'].flatMap((table) => [
      `*${table}`,
      `-D ${runtimeChain} ${jump.join(' ')}`,
      `-F ${name}`,
      `-X ${name}`,
      'COMMIT',
    ]);
    await restore(`${everything.join('\n')}\n`).catch(async () => {
      for (const table of ['filter', 'nat']) {
        await iptables(['-t', table, '-D', runtimeChain, ...jump]).catch(() => undefined);
        await iptables(['-t', table, '-F', name]).catch(() => undefined);
        await iptables(['-t', table, '-X', name]).catch(() => undefined);
      }
    });
    await ipset(['destroy', name]).catch(() => undefined);
    await this.answerer.close();
  }

  /**
   * Opens the set for what an allowed name resolved to (called before the
   * answer is sent). An answer given under rules an update has replaced
   * since opens nothing: the update's flush must not be undone by it.
   */
  private async allow(addresses: readonly ResolvedAddress[], asked: AnswerRules): Promise<void> {
    if (this.removed || this.policy.allowAll || asked !== this.rules) return;
    const lines = addresses.map(({ address, ttl }) => {
      const seconds = Math.min(MAX_ALLOW_SECONDS, Math.max(MIN_ALLOW_SECONDS, Math.floor(ttl)));
      return `add ${this.options.name} ${address} timeout ${seconds}`;
    });
    await ipsetRestore(lines);
  }

  /** The `iptables-restore --noflush` input that (re)writes both chains; `jump` also inserts the jumps. */
  private chains(jump: boolean): string {
    const { name, cgroupPath, runtimeChain } = this.options;
    const gateway = this.policy.devboxGateway;
    const dns = { udp: this.answerer.udpPort, tcp: this.answerer.tcpPort };
    const jumpLine = `-I ${runtimeChain} 1 -m cgroup --path ${cgroupPath} -j ${name}`;
    const filter = [
      '*filter',
      `:${name} - [0:0]`,
      `-A ${name} -d 127.0.0.1/32 -p udp --dport ${dns.udp} -j ACCEPT`,
      `-A ${name} -d 127.0.0.1/32 -p tcp --dport ${dns.tcp} -j ACCEPT`,
      ...(gateway ? [`-A ${name} -d ${gateway.host}/32 -p tcp --dport ${gateway.port} -j ACCEPT`] : []),
      // A connection once allowed stays allowed when its answer's time is up (long downloads).
      `-A ${name} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
      `-A ${name} -m set --match-set ${name} dst -j RETURN`,
      `-A ${name} -p tcp -j REJECT --reject-with tcp-reset`,
      `-A ${name} -j REJECT`,
      ...(jump ? [jumpLine] : []),
      'COMMIT',
    ];
    const nat = [
      '*nat',
      `:${name} - [0:0]`,
      `-A ${name} -p udp --dport 53 -j DNAT --to-destination 127.0.0.1:${dns.udp}`,
      `-A ${name} -p tcp --dport 53 -j DNAT --to-destination 127.0.0.1:${dns.tcp}`,
      ...(gateway
        ? [
            `-A ${name} -d ${TUNNEL_GATEWAY_ADDRESS}/32 -p tcp --dport ${gateway.port} -j DNAT --to-destination ${gateway.host}:${gateway.port}`,
          ]
        : []),
      ...(jump ? [jumpLine] : []),
      'COMMIT',
    ];
    return [...filter, ...nat, ''].join('\n');
  }
}

/** What the answerer answers by under `policy`. */
function answerRules(policy: EgressPolicy): AnswerRules {
  return {
    allowAll: policy.allowAll,
    hostnames: policy.hostnames,
    tunnelAddress: policy.devboxGateway !== undefined ? TUNNEL_GATEWAY_ADDRESS : undefined,
  };
}

/** `ipset restore` lines that give a fresh set `policy`'s permanent members: both halves of IPv4 for allow-all. */
function setLines(name: string, policy: EgressPolicy): string[] {
  return policy.allowAll ? EVERYWHERE.map((net) => `add ${name} ${net} timeout 0`) : [];
}

function iptables(args: readonly string[]): Promise<unknown> {
  return run('iptables', ['-w', ...args], { env: PATH_ENV });
}

function ipset(args: readonly string[]): Promise<unknown> {
  return run('ipset', args, { env: PATH_ENV });
}

/** `iptables-restore --noflush`: both chains change in one transaction, never half-written. */
function restore(input: string): Promise<void> {
  return feed('iptables-restore', ['-w', '--noflush'], input);
}

function ipsetRestore(lines: readonly string[]): Promise<void> {
  return lines.length === 0 ? Promise.resolve() : feed('ipset', ['restore', '-exist'], `${lines.join('\n')}\n`);
}

function feed(command: string, args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: PATH_ENV, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(input);
  });
}
