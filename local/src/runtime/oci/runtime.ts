/**
 * The OCI runtime: every devbox is a runc container whose root is host uid
 * `ids.hostStart`, with the hardened config of config.ts, its own disk image,
 * and the agent as PID 1. One instance per server; its cgroups live under
 * `runloop-local-<hash of the data dir>` and its runc state under
 * `<runtimeDir>/runc`, so servers with different data dirs never touch each
 * other's devboxes and a restarted server finds its orphans.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readdir, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentConnection } from '../agent/connection.js';
import { DevboxCgroups, reapInstanceCgroups, type CgroupLayout } from '../cgroups.js';
import { DevboxStartError, RuntimeInputError } from '../errors.js';
import type { DevboxHandle, DevboxRuntime, DevboxSpec, RuntimeInfo } from '../types.js';
import { checkSpec } from '../validate.js';
import { Watchdog } from '../watchdog.js';
import { devboxOciConfig, type IdRange } from './config.js';
import { ACCOUNTS, OciDevbox } from './devbox.js';
import { diskDir, diskImagePath, mountsUnder, unmountDisk } from './disk.js';
import { launchOciDevbox } from './launch.js';
import { Launchers, type Launch } from './launchers.js';
import { SLIRP, USER_MODE_NETWORK_ARGV, devboxChainPrefix, type EgressFilter } from './network.js';
import type { OciSeccomp } from './seccomp.js';
import { DevboxEgress, type EgressPolicy } from '../network/devbox-egress.js';
import type { DnsUpstream } from '../network/dns-answerer.js';
import { devboxHostname, runtimeInstanceName } from '../instance.js';
import { releaseDevbox } from './release.js';
import { hasImageLayers } from '../image-layers.js';

/** A devbox that has not said READY by then will not. */
const START_TIMEOUT_MS = 60_000;
const BUNDLE_PARENT = '/run/runloop-local';
/** crun: "use this base64 BPF program instead of compiling the config's seccomp section" (crun(1)). */
const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';

/**
 * What the runtime is built from; `createRuntime` prepares each piece.
 *
 * @example
 * new OciRuntime({ dataDir, runtimeDir, rootfs, initLayer, launcher, layout, info, ids, seccomp });
 */
export interface OciRuntimeOptions {
  readonly dataDir: string;
  /** `<dataDir>/.runtime`: runc state, disk mount points. */
  readonly runtimeDir: string;
  /** The base rootfs, owned inside `ids`. */
  readonly rootfs: string;
  /** Topmost read-only layer: `/.runloop/agent`, owned by host root (unwritable inside). */
  readonly initLayer: string;
  /** Host path of the launcher binary (`../launcher/launcher.c`). */
  readonly launcher: string;
  readonly layout: CgroupLayout;
  readonly info: RuntimeInfo;
  readonly ids: IdRange;
  readonly seccomp: OciSeccomp;
  /** Where isolated devboxes may go outside; absent: loopback only (the host cannot filter egress). */
  readonly egress: EgressFilter | undefined;
  /** Where policy DNS answerers ask for allowed names. */
  readonly dnsUpstreams: readonly DnsUpstream[];
}

/**
 * A {@link DevboxRuntime} on runc. Build it with `createRuntime`.
 *
 * @example
 * const runtime = new OciRuntime(options);
 * const devbox = await runtime.start(spec);
 */
export class OciRuntime implements DevboxRuntime {
  readonly info: RuntimeInfo;
  private readonly instance: string;
  private readonly devboxes = new Map<string, OciDevbox>();
  private readonly starting = new Set<string>();
  /** Policies in force, by devbox id (devboxes started with `egressPolicy`). */
  private readonly policies = new Map<string, DevboxEgress>();
  private readonly watchdog: Watchdog;
  /** crun's state (`--root`): one dir per running devbox. */
  private readonly stateRoot: string;
  private readonly mountRoot: string;
  /**
   * Where bundles live. runc binds the root filesystem as devbox root (host
   * uid `ids.hostStart`), which must be able to walk the path to it; the
   * data dir (0700, under a home that may be 0700 too) never lets it. So
   * bundles go to /run, in a dir only root and devbox root's group may enter.
   */
  private readonly bundleRoot: string;
  /** crun's compiled seccomp filter (base64), from the first devbox's start; see writeConfig. */
  private seccompBpf: string | undefined;
  /** The serve process that forks every devbox's launcher; started with the first devbox. */
  private launcherService: Promise<Launchers> | undefined;

  constructor(private readonly options: OciRuntimeOptions) {
    this.info = options.info;
    this.instance = runtimeInstanceName(options.dataDir);
    this.stateRoot = join(options.runtimeDir, 'crun');
    this.mountRoot = join(options.runtimeDir, 'mnt');
    this.bundleRoot = join(BUNDLE_PARENT, this.instance);
    const egress = options.egress && {
      cgroupPath: options.egress.instance,
      chain: options.egress.chain,
      devboxChains: `${devboxChainPrefix(options.egress.instance)}${process.pid.toString(36)}-`,
    };
    this.watchdog = Watchdog.forCgroups(
      join(options.layout.unified, this.instance),
      allHierarchies(options.layout).map((root) => join(root, this.instance)),
      this.mountRoot,
      egress,
    );
  }

  async start(spec: DevboxSpec): Promise<DevboxHandle> {
    checkSpec(spec);
    if (this.devboxes.has(spec.id) || this.starting.has(spec.id))
      throw new RuntimeInputError(`devbox ${spec.id} is already running`);
    this.starting.add(spec.id);
    try {
      return await this.launch(spec);
    } finally {
      this.starting.delete(spec.id);
    }
  }

  private async launch(spec: DevboxSpec): Promise<OciDevbox> {
    const missing = spec.layers.find((layer) => !existsSync(layer));
    if (missing) throw new DevboxStartError(`layer ${missing} does not exist`, '');
    const { ids } = this.options;
    await mkdir(spec.stateDir, { recursive: true, mode: 0o700 });
    await mkdir(this.mountRoot, { recursive: true, mode: 0o700 });
    const bundle = join(this.bundleRoot, spec.id);
    // The bundle is rebuilt on every start: links and config follow the current layers and limits.
    await rm(bundle, { recursive: true, force: true });
    await this.makeTraversable(bundle);
    await mkdir(join(bundle, 'layers'), { mode: 0o700 });
    await mkdir(join(bundle, 'rootfs'));
    const diskMount = join(this.mountRoot, spec.id);
    const cgroups = new DevboxCgroups(this.options.layout, this.instance, spec.id);
    this.watchdog.add(spec.id);
    const undo = async (): Promise<void> => {
      await releaseDevbox({ id: spec.id, cgroups, stateRoot: this.stateRoot, diskMount, bundle });
      await this.removePolicy(spec.id);
      this.watchdog.remove(spec.id);
    };
    const policy = spec.egressPolicy;
    if (
      policy !== undefined &&
      (spec.network !== 'isolated' || this.options.egress === undefined || !this.options.info.networkPolicies)
    ) {
      throw new RuntimeInputError(
        'a network policy needs an isolated devbox on a host with the egress filter and ipset',
      );
    }
    let launch: Launch | undefined;
    try {
      const egress = spec.network === 'isolated' ? this.options.egress : undefined;
      // Independent steps at once: the bundle's links and config, the cgroups and their limits, and
      // the egress filter with the devbox's policy (in place before its network helper's first
      // packet). The launcher then makes and mounts the disk (on the host side, in-process: no
      // `mount` to exec) before the runtime starts.
      // Relative names in the overlay's options: its mountinfo line shows no host path.
      // A pulled image brings its own root; everything else stacks on the local base.
      const base = hasImageLayers(spec.layers) ? [] : [this.options.rootfs];
      const layers = [this.options.initLayer, ...spec.layers, ...base];
      const links = Promise.all([
        ...layers.map((layer, index) => symlink(layer, join(bundle, 'layers', String(index)))),
        symlink(diskDir(diskMount, 'upper'), join(bundle, 'upper')),
        symlink(diskDir(diskMount, 'work'), join(bundle, 'work')),
      ]);
      const groups = cgroups.create(spec.limits);
      // The filter matches the instance's cgroup, which must exist first.
      const network =
        egress &&
        groups
          .then(() => egress.ensure())
          .then(async () => {
            if (policy !== undefined) await this.installPolicy(spec.id, egress, policy);
          });
      // All settled before a failure is thrown: the clean-up must not run while a step (a cgroup
      // being made, a link) is still in flight, or that step would outlive it.
      const steps = await Promise.allSettled([
        links,
        this.writeConfig(spec, bundle),
        groups,
        network,
        mkdir(this.stateRoot, { recursive: true, mode: 0o700 }),
      ]);
      const failedStep = steps.find((step): step is PromiseRejectedResult => step.status === 'rejected');
      if (failedStep !== undefined) throw failedStep.reason;
      // (A leftover container of a crashed run under this id is gone: reapOrphans ran at start-up.)
      launch = launchOciDevbox(await this.launchers(), {
        id: spec.id,
        bundle,
        lower: layers.map((_, index) => `layers/${index}`).join(':'),
        stateRoot: this.stateRoot,
        disk: {
          image: diskImagePath(spec.stateDir),
          bytes: spec.limits.diskBytes,
          owner: ids.hostStart,
          mount: diskMount,
        },
        joinCgroups: cgroups.procsFiles(),
        hide: this.options.layout.pureV2 ? [] : [this.options.layout.unified],
        userNamespaceLimits: USER_NAMESPACE_LIMITS,
        ...(egress && { network: { argv: USER_MODE_NETWORK_ARGV, joinCgroup: cgroups.procsFiles()[0]! } }),
      });
      const started = launch;
      const failed = started.exited.then(
        (status) => new DevboxStartError(`devbox start failed (exit ${status})`, started.stderr()),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DevboxStartError('devbox did not come up in time', started.stderr())),
          START_TIMEOUT_MS,
        );
      });
      // Any step that fails before READY means the start failed: the launcher's exit says why.
      const orExit = <T>(step: Promise<T>) => step.catch(() => failed.then((error) => Promise.reject(error)));
      const [agent, initPid] = await Promise.race([
        Promise.all([
          orExit(started.connected).then(async (channel) => {
            const connection = new AgentConnection(channel, channel);
            // Handed over paused (nothing may be emitted before a reader is attached): flowing now.
            channel.resume();
            await orExit(connection.ready);
            return connection;
          }),
          orExit(started.ready),
        ]),
        timeout,
      ]).finally(() => clearTimeout(timer));
      const { shell } = await agent.ready;
      await this.rememberSeccompFilter(spec.id);
      const devbox = new OciDevbox({
        spec,
        launch: started,
        agent,
        shell,
        initPid,
        cgroups,
        diskMount,
        upperDir: diskDir(diskMount, 'upper'),
        stateRoot: this.stateRoot,
        bundle,
        onGone: () => {
          this.devboxes.delete(spec.id);
          void this.removePolicy(spec.id);
          this.watchdog.remove(spec.id);
        },
      });
      this.devboxes.set(spec.id, devbox);
      await writeNameFiles(devbox, spec, egress !== undefined);
      return devbox;
    } catch (error) {
      launch?.kill();
      await undo();
      throw error;
    }
  }

  /** The running launcher service; one that could not start or has ended is started again (calls queue up). */
  private launchers(): Promise<Launchers> {
    const previous = this.launcherService;
    this.launcherService = (async () => {
      const current = await previous?.catch(() => undefined);
      if (current !== undefined && !current.ended) return current;
      await current?.close();
      return Launchers.start(this.options.launcher, this.launchSocketPath());
    })();
    return this.launcherService;
  }

  /**
   * Where launchers connect back: in the runtime dir (root only, 0700, gone with the data dir), or,
   * when that path is too long for a unix socket (108 bytes), beside the bundles in /run.
   */
  private launchSocketPath(): string {
    const inDataDir = join(this.options.runtimeDir, 'launch.sock');
    return Buffer.byteLength(inDataDir) < 100 ? inDataDir : `${this.bundleRoot}-launch.sock`;
  }

  /** The launcher service's pid, for tests that end it. @internal */
  async launcherServicePid(): Promise<number | undefined> {
    return (await this.launcherService?.catch(() => undefined))?.pid;
  }

  async setEgressPolicy(id: string, policy: EgressPolicy): Promise<void> {
    await this.policies.get(id)?.update(policy);
  }

  /** The devbox's policy chains, set and DNS answerer; in place before its network helper sends a packet. */
  private async installPolicy(id: string, egress: EgressFilter, policy: EgressPolicy): Promise<void> {
    const installed = await DevboxEgress.install({
      name: egress.devboxChainName(),
      cgroupPath: `${this.instance}/${id}`,
      runtimeChain: egress.chain,
      upstreams: this.options.dnsUpstreams,
      policy,
    });
    this.policies.set(id, installed);
  }

  private async removePolicy(id: string): Promise<void> {
    const installed = this.policies.get(id);
    this.policies.delete(id);
    await installed?.remove();
  }

  /** The runc config of a start, into the bundle. */
  private async writeConfig(spec: DevboxSpec, bundle: string): Promise<void> {
    const config = devboxOciConfig({
      hostname: devboxHostname(spec.id),
      rootfs: 'rootfs',
      ids: this.options.ids,
      limits: spec.limits,
      network: spec.network,
      cgroupsPath: `/${this.instance}/${spec.id}`,
      seccomp: this.options.seccomp,
      init: ['/.runloop/agent', 'init'],
    });
    // The filter crun compiled for an earlier devbox (same profile): crun loads it instead of
    // compiling the profile again, a third of its CPU per start.
    if (this.seccompBpf !== undefined) config['annotations'] = { [SECCOMP_BPF_ANNOTATION]: this.seccompBpf };
    await writeFile(join(bundle, 'config.json'), JSON.stringify(config));
  }

  /** Keeps the seccomp filter crun compiled for `id`'s start (every devbox of this runtime has the same profile). */
  private async rememberSeccompFilter(id: string): Promise<void> {
    if (this.seccompBpf !== undefined) return;
    const compiled = await readFile(join(this.stateRoot, id, 'seccomp.bpf')).catch(() => undefined);
    // A classic BPF program is a whole number of 8-byte instructions.
    if (compiled !== undefined && compiled.length > 0 && compiled.length % 8 === 0)
      this.seccompBpf = compiled.toString('base64');
  }

  /** Creates `dir` and its instance dir as root:<devbox root's gid> 0710: enterable by devbox root, readable by nobody else. */
  private async makeTraversable(dir: string): Promise<void> {
    await mkdir(BUNDLE_PARENT, { recursive: true, mode: 0o711 });
    for (const path of [this.bundleRoot, dir]) {
      await mkdir(path, { recursive: true, mode: 0o710 });
      await chown(path, 0, this.options.ids.hostStart);
      await chmod(path, 0o710);
    }
  }

  async reapOrphans(): Promise<void> {
    const live = new Set([...this.devboxes.keys(), ...this.starting]);
    // A crashed run's containers: their processes go with their cgroups below, their state here.
    for (const id of await readdir(this.stateRoot).catch(() => [] as string[])) {
      if (!live.has(id)) await rm(join(this.stateRoot, id), { recursive: true, force: true });
    }
    await reapInstanceCgroups(allHierarchies(this.options.layout), this.options.layout.unified, this.instance, live);
    for (const point of await mountsUnder(this.mountRoot)) {
      if (!live.has(point.slice(this.mountRoot.length + 1))) await unmountDisk(point);
    }
    for (const id of await readdir(this.bundleRoot).catch(() => [] as string[])) {
      if (!live.has(id)) await rm(join(this.bundleRoot, id), { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.devboxes.values()].map((devbox) => devbox.stop()));
    this.watchdog.end();
    await Promise.allSettled([...this.policies.keys()].map((id) => this.removePolicy(id)));
    await this.options.egress?.remove();
    await (await this.launcherService?.catch(() => undefined))?.close();
    await rmdir(this.bundleRoot).catch(() => undefined);
    // The instance dirs go once empty; another runtime on the same data dir may still use them.
    for (const root of allHierarchies(this.options.layout))
      await rmdir(join(root, this.instance)).catch(() => undefined);
  }
}

/**
 * Every cgroup hierarchy mounted under /sys/fs/cgroup: the runtime makes the
 * devbox's group in each, so reaping and removal must look in each.
 *
 * @example
 * allHierarchies(layout); // ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/cpu', …]
 */
export function allHierarchies(layout: CgroupLayout): string[] {
  if (layout.pureV2) return [layout.unified];
  const roots = new Set([layout.unified, ...Object.values(layout.v1)]);
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [, point, type] = line.split(' ');
    if ((type === 'cgroup' || type === 'cgroup2') && point?.startsWith('/sys/fs/cgroup/')) roots.add(point);
  }
  return [...roots];
}

/**
 * Caps on the kernel counters that are charged to the creator of a devbox's
 * user namespace (host root, since the launcher's crun made it): without
 * them, one devbox could use up host root's inotify instances (128 by
 * default) and break the server and every other devbox. The launcher sets
 * them as host root from inside that user namespace only (no other
 * namespace, so nothing of it is visible to the devbox); the devbox cannot
 * raise them (`/proc/sys` is read-only there and it has no
 * CAP_SYS_RESOURCE). Nested user namespaces go to zero as well, behind the
 * seccomp filter that already refuses them.
 */
const USER_NAMESPACE_LIMITS = {
  max_inotify_instances: 64,
  max_inotify_watches: 16_384,
  max_user_namespaces: 0,
} as const;

/**
 * /etc/hosts names the devbox; /etc/resolv.conf points at the network
 * helper's DNS when the devbox has outbound network. Written as devbox root,
 * so every path resolves inside the devbox's own root.
 */
async function writeNameFiles(devbox: OciDevbox, spec: DevboxSpec, network: boolean): Promise<void> {
  const hostname = devboxHostname(spec.id);
  const hosts = `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`;
  // The helper's DNS for a devbox behind it; the host's resolvers for one on the host network.
  const resolv = network
    ? `nameserver ${SLIRP.dns}\n`
    : spec.network === 'host'
      ? await readFile('/etc/resolv.conf', 'utf8').catch(() => '')
      : '';
  // Builtins only: one process (the shell) per start, no `cat`.
  const script = 'printf %s "$1" > /etc/hosts; if [ -n "$2" ]; then printf %s "$2" > /etc/resolv.conf; fi';
  const proc = devbox.spawnArgv(['/bin/sh', '-c', script, 'sh', hosts, resolv], 'root', {
    PATH: '/usr/bin:/bin',
    HOME: ACCOUNTS.root.home,
  });
  proc.stdout.resume();
  proc.stderr.resume();
  proc.stdin.end();
  await proc.closed;
}
