/**
 * Outbound network for isolated devboxes: user-mode networking
 * (slirp4netns, from Debian) gives each devbox's own network namespace a
 * virtual interface whose traffic leaves through ordinary sockets of a host
 * helper, and a host firewall chain decides where those sockets may go.
 *
 * The filter lives in the host's network namespace and matches the helpers
 * by their cgroup (every process of this runtime sits under its instance's
 * v2 group), so nothing inside a devbox, root included, can see or change it.
 * It refuses the host itself (every local address, loopback too), private,
 * shared, link-local (cloud metadata) and multicast ranges, and lets through
 * DNS to the host's own resolvers, and the public internet.
 *
 * The helper runs sandboxed (`--enable-sandbox`: own mount namespace, all
 * capabilities dropped) under a seccomp filter (`--enable-seccomp`): it
 * parses packets a devbox writes, so it gets as little as it needs.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { RuntimeError } from '../errors.js';
import { processExists } from '../process-group.js';

const run = promisify(execFile);
const PATH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/**
 * Destinations a devbox never reaches (besides every address of the host itself).
 *
 * @example
 * BLOCKED_RANGES.includes('169.254.0.0/16'); // true: link-local, where cloud metadata lives
 */
export const BLOCKED_RANGES = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

/**
 * What the devbox sees: slirp4netns' fixed addresses.
 *
 * @example
 * const resolvConf = `nameserver ${SLIRP.dns}\n`;
 */
export const SLIRP = { address: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3' } as const;

/**
 * The host firewall chain of one runtime instance. `ensure()` (re)installs
 * it when the instance's cgroup is new (the kernel resolves the cgroup path
 * once, at insertion); `remove()` takes it out again.
 *
 * @example
 * const egress = new EgressFilter('runloop-local-3f2a9c1b7d0e', '/sys/fs/cgroup/unified');
 * await egress.ensure();
 */
export class EgressFilter {
  /** The host iptables chain, `RLL-<instance hash>`. */
  readonly chain: string;
  private installedFor: bigint | undefined;
  private installing: Promise<void> | undefined;

  constructor(
    /** The runtime's cgroup, which the chain's jump matches. */
    readonly instance: string,
    private readonly unifiedRoot: string,
    /** Whether devboxes' policy chains hang below this one (a `nat` chain too; see {@link networkPoliciesAvailable}). */
    private readonly policies = false,
  ) {
    // One chain per runtime (iptables names stop at 28 characters): the owning process's pid and a
    // random tag, so a runtime that stopped or crashed, or its watchdog, only ever touches its own
    // chain, never a successor's on the same data dir (in the same process or another).
    this.chain = `${chainPrefix(instance)}${process.pid.toString(36)}-${randomBytes(2).toString('hex').slice(0, 3)}`;
  }

  /** Installs the chain for the instance's current cgroup (a no-op when it is already in place). */
  async ensure(): Promise<void> {
    const { ino } = await stat(`${this.unifiedRoot}/${this.instance}`, { bigint: true });
    if (this.installedFor === ino) return;
    this.installing ??= this.install().finally(() => (this.installing = undefined));
    await this.installing;
    this.installedFor = ino;
  }

  /**
   * A name for one devbox's policy chains and set (see `network/devbox-egress.ts`):
   * `RLD-<instance hash>-<server pid>-<n>`, unique on this host while this server lives.
   *
   * @example
   * egress.devboxChainName(); // 'RLD-3f2a9c1b7d0e-1x2k-0'
   */
  devboxChainName(): string {
    return `${devboxChainPrefix(this.instance)}${process.pid.toString(36)}-${(devboxChains++).toString(36)}`;
  }

  /** Removes the jumps and the chains (filter and nat); never throws. */
  async remove(): Promise<void> {
    for (const table of ['filter', 'nat']) {
      await iptables(['-t', table, '-D', 'OUTPUT', '-m', 'cgroup', '--path', this.instance, '-j', this.chain]).catch(
        () => undefined,
      );
      await iptables(['-t', table, '-F', this.chain]).catch(() => undefined);
      await iptables(['-t', table, '-X', this.chain]).catch(() => undefined);
    }
    this.installedFor = undefined;
  }

  private async install(): Promise<void> {
    await this.remove();
    await removeDeadChains(this.instance);
    if (this.policies) {
      // The nat chain only holds the jumps to devboxes' policy chains (DNS to their answerers).
      await iptables(['-t', 'nat', '-N', this.chain]);
      await iptables(['-t', 'nat', '-I', 'OUTPUT', '1', '-m', 'cgroup', '--path', this.instance, '-j', this.chain]);
    }
    await iptables(['-N', this.chain]);
    for (const resolver of await hostResolvers()) {
      for (const protocol of ['udp', 'tcp'])
        await iptables(['-A', this.chain, '-p', protocol, '-d', resolver, '--dport', '53', '-j', 'RETURN']);
    }
    // TCP gets a reset, so the devbox's connect fails at once (refused) instead of timing out.
    const refuse = async (match: readonly string[]): Promise<void> => {
      await iptables(['-A', this.chain, '-p', 'tcp', ...match, '-j', 'REJECT', '--reject-with', 'tcp-reset']);
      await iptables(['-A', this.chain, ...match, '-j', 'REJECT']);
    };
    await refuse(['-m', 'addrtype', '--dst-type', 'LOCAL']);
    for (const range of BLOCKED_RANGES) await refuse(['-d', range]);
    await iptables(['-I', 'OUTPUT', '1', '-m', 'cgroup', '--path', this.instance, '-j', this.chain]);
  }
}

/**
 * Whether this host can filter a cgroup's egress (iptables with the cgroup
 * and addrtype matches): probed by installing and removing a throwaway rule.
 *
 * @example
 * const problem = await egressFilterAvailable(); // undefined when devboxes can get filtered outbound network
 */
export async function egressFilterAvailable(): Promise<string | undefined> {
  const chain = `RLL-probe-${process.pid}`.slice(0, 28);
  try {
    await iptables(['-N', chain]);
    await iptables(['-A', chain, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'REJECT']);
    await iptables(['-A', chain, '-m', 'cgroup', '--path', '/', '-j', 'RETURN']);
    return undefined;
  } catch (error) {
    return `no host egress filter (iptables with the cgroup match): ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`;
  } finally {
    await iptables(['-F', chain]).catch(() => undefined);
    await iptables(['-X', chain]).catch(() => undefined);
  }
}

/**
 * Whether devboxes can get network policies on top of the egress filter:
 * `ipset` (Debian's) and the `set` match, and a `nat` chain matched on a
 * cgroup that redirects DNS. Probed with throwaway rules, like
 * {@link egressFilterAvailable}.
 *
 * @example
 * const problem = await networkPoliciesAvailable(); // undefined when policies can be enforced
 */
export async function networkPoliciesAvailable(): Promise<string | undefined> {
  const name = `RLL-probe-${process.pid}-p`.slice(0, 28);
  try {
    await run('ipset', ['create', name, 'hash:net', 'timeout', '1'], { env: PATH_ENV });
    await iptables(['-N', name]);
    await iptables(['-A', name, '-m', 'set', '--match-set', name, 'dst', '-j', 'RETURN']);
    await iptables(['-t', 'nat', '-N', name]);
    await iptables([
      '-t',
      'nat',
      '-A',
      name,
      '-m',
      'cgroup',
      '--path',
      '/',
      '-p',
      'udp',
      '--dport',
      '53',
      '-j',
      'DNAT',
      '--to-destination',
      '127.0.0.1:53',
    ]);
    return undefined;
  } catch (error) {
    return `no network policies (ipset, the set match or nat by cgroup): ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`;
  } finally {
    for (const table of ['filter', 'nat']) {
      await iptables(['-t', table, '-F', name]).catch(() => undefined);
      await iptables(['-t', table, '-X', name]).catch(() => undefined);
    }
    await run('ipset', ['destroy', name], { env: PATH_ENV }).catch(() => undefined);
  }
}

/**
 * The command line of the devbox's network helper, slirp4netns, for the
 * launcher (`{pid}` = the devbox init's host pid). The launcher starts it in
 * the devbox's v2 cgroup (so the egress filter applies, and the devbox's
 * freeze and kill cover it) and waits on fd 3 until the interface is
 * configured. IPv6 stays off (slirp4netns enables it only with
 * --enable-ipv6): the host filter is IPv4 only.
 *
 * @example
 * launchOciDevbox({ ...options, network: { argv: USER_MODE_NETWORK_ARGV, joinCgroup } });
 */
export const USER_MODE_NETWORK_ARGV: readonly string[] = [
  'slirp4netns',
  '--configure',
  '--mtu=65520',
  '--disable-host-loopback',
  '--enable-sandbox',
  '--enable-seccomp',
  '--ready-fd=3',
  '{pid}',
  'tap0',
];

/**
 * The chain names of one runtime instance start with this; the owning server's pid (base 36) and a random tag follow.
 *
 * @example
 * chainPrefix('runloop-local-3f2a9c1b7d0e'); // 'RLL-3f2a9c1b7d0e-'
 */
export function chainPrefix(instance: string): string {
  return `RLL-${instance.replace(/^runloop-local-/, '').slice(0, 12)}-`;
}

/**
 * The policy chains and sets of one runtime instance's devboxes start with
 * this; the owning server's pid (base 36) and a counter follow.
 *
 * @example
 * devboxChainPrefix('runloop-local-3f2a9c1b7d0e'); // 'RLD-3f2a9c1b7d0e-'
 */
export function devboxChainPrefix(instance: string): string {
  return `RLD-${instance.replace(/^runloop-local-/, '').slice(0, 12)}-`;
}

/** Per process: with the pid in the name, unique on the host. */
let devboxChains = 0;

/** Whether a chain or set name (prefix, pid in base 36, tag) belongs to a server that is gone. */
function ownerGone(name: string, prefix: string): boolean {
  const pid = Number.parseInt(name.slice(prefix.length).split('-')[0] ?? '', 36);
  return !(Number.isSafeInteger(pid) && processExists(pid));
}

/** Removes this instance's chains and policy sets whose server process is gone (crashed before its watchdog could). */
async function removeDeadChains(instance: string): Promise<void> {
  const prefixes = [chainPrefix(instance), devboxChainPrefix(instance)];
  for (const table of ['filter', 'nat']) {
    const rules = (await run('iptables', ['-w', '-t', table, '-S'], { env: PATH_ENV })).stdout.split('\n');
    const dead = new Set(
      rules
        .filter((line) => line.startsWith('-N '))
        .map((line) => line.slice(3))
        .filter((chain) => prefixes.some((prefix) => chain.startsWith(prefix) && ownerGone(chain, prefix))),
    );
    // Jumps first (from OUTPUT and from runtime chains), then the chains themselves.
    for (const jump of rules.filter((line) => line.startsWith('-A ') && dead.has(line.split(' -j ')[1] ?? ''))) {
      await iptables(['-t', table, '-D', ...jump.slice(3).split(' ')]).catch(() => undefined);
    }
    for (const chain of dead) {
      await iptables(['-t', table, '-F', chain]).catch(() => undefined);
      await iptables(['-t', table, '-X', chain]).catch(() => undefined);
    }
  }
  const sets = (await run('ipset', ['list', '-n'], { env: PATH_ENV }).catch(() => ({ stdout: '' }))).stdout.split('\n');
  const setPrefix = devboxChainPrefix(instance);
  for (const set of sets.filter((name) => name.startsWith(setPrefix) && ownerGone(name, setPrefix))) {
    await run('ipset', ['destroy', set], { env: PATH_ENV }).catch(() => undefined);
  }
}

/**
 * IPv4 nameservers of the host's resolv.conf: the only private addresses a
 * devbox's DNS may reach, and the default upstreams of policy DNS answerers.
 *
 * @example
 * await hostResolvers(); // ['10.255.255.53']
 */
export async function hostResolvers(): Promise<string[]> {
  const text = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  return [...text.matchAll(/^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
}

function iptables(args: readonly string[]): Promise<unknown> {
  return run('iptables', ['-w', ...args], { env: PATH_ENV });
}
