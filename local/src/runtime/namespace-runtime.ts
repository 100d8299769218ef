/**
 * The namespace runtime: real, isolated devboxes (mount/pid/uts/ipc/net
 * namespaces, an overlayfs root over the base rootfs, tini as PID 1, one
 * cgroup each). One instance per server; its cgroups live under
 * `runloop-local-<hash of the data dir>` so concurrent servers with
 * different data dirs never touch each other's devboxes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DevboxCgroups, reapInstanceCgroups, type CgroupLayout } from './cgroups.js';
import { DevboxStartError, RuntimeInputError } from './errors.js';
import { devboxFstab, launchNamespaceDevbox } from './namespace-launch.js';
import { NamespaceDevbox } from './namespace-devbox.js';
import type { DevboxHandle, DevboxRuntime, DevboxSpec, RuntimeInfo } from './types.js';
import { checkMountablePath, checkSpec } from './validate.js';
import { Watchdog } from './watchdog.js';

/**
 * The cgroup directory name shared by every runtime using `dataDir`.
 *
 * @example
 * runtimeInstanceName('/var/lib/runloop-local'); // 'runloop-local-3f2a9c1b7d0e'
 */
export function runtimeInstanceName(dataDir: string): string {
  return `runloop-local-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

/**
 * The hostname of a devbox: its id, made a valid hostname label.
 *
 * @example
 * devboxHostname('dbx_1a2B'); // 'dbx-1a2B'
 */
export function devboxHostname(id: string): string {
  return id.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63);
}

/**
 * A {@link DevboxRuntime} on Linux namespaces. Build it with `createRuntime`.
 *
 * @example
 * const runtime = new NamespaceRuntime({ dataDir, runtimeDir, rootfs, layout, info, userns: true });
 */
export class NamespaceRuntime implements DevboxRuntime {
  readonly info: RuntimeInfo;
  private readonly instance: string;
  private readonly layout: CgroupLayout;
  private readonly rootfs: string;
  private readonly devboxes = new Map<string, NamespaceDevbox>();
  private readonly starting = new Set<string>();
  private readonly watchdog: Watchdog;

  private readonly runtimeDir: string;
  private readonly userns: boolean;

  /** `runtimeDir` must have been made by `prepareRuntimeDir`. */
  constructor(options: {
    readonly dataDir: string;
    readonly runtimeDir: string;
    readonly rootfs: string;
    readonly layout: CgroupLayout;
    readonly info: RuntimeInfo;
    /** Give each devbox an identity-mapped user namespace (root there has no host capabilities). */
    readonly userns: boolean;
  }) {
    this.userns = options.userns;
    checkMountablePath(options.rootfs);
    checkMountablePath(options.runtimeDir);
    this.runtimeDir = options.runtimeDir;
    this.info = options.info;
    this.instance = runtimeInstanceName(options.dataDir);
    this.layout = options.layout;
    this.rootfs = options.rootfs;
    this.watchdog = Watchdog.forCgroups(
      join(options.layout.unified, this.instance),
      Object.values(options.layout.v1).map((root) => join(root, this.instance)),
    );
  }

  async start(spec: DevboxSpec): Promise<DevboxHandle> {
    checkSpec(spec);
    if (this.devboxes.has(spec.id) || this.starting.has(spec.id)) throw new RuntimeInputError(`devbox ${spec.id} is already running`);
    this.starting.add(spec.id);
    try {
      return await this.launch(spec);
    } finally {
      this.starting.delete(spec.id);
    }
  }

  private async launch(spec: DevboxSpec): Promise<NamespaceDevbox> {
    const missing = spec.layers.find((layer) => !existsSync(layer));
    if (missing) throw new DevboxStartError(`layer ${missing} does not exist`, '');
    for (const sub of ['upper', 'work', 'merged']) await mkdir(join(spec.stateDir, sub), { recursive: true });
    // /dev's writable layer is scratch: fresh on every start.
    await rm(join(spec.stateDir, 'dev'), { recursive: true, force: true });
    for (const sub of ['dev/upper', 'dev/work']) await mkdir(join(spec.stateDir, sub), { recursive: true });
    const lowerdir = [...spec.layers, this.rootfs].join(':');
    await writeFile(join(spec.stateDir, 'fstab'), devboxFstab({ stateDir: spec.stateDir, lowerdir, runtimeDir: this.runtimeDir }));
    const hostname = devboxHostname(spec.id);
    const hosts = `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`;
    const resolvConf = spec.network === 'host' ? await readFile('/etc/resolv.conf', 'utf8').catch(() => '') : '';
    const cgroups = new DevboxCgroups(this.layout, this.instance, spec.id);
    await cgroups.create(spec.limits);
    this.watchdog.add(spec.id);
    let launched;
    try {
      launched = await launchNamespaceDevbox({
        stateDir: spec.stateDir,
        hostname,
        hosts,
        resolvConf,
        network: spec.network,
        cgroupProcs: cgroups.procsFiles(),
        userns: this.userns,
      });
    } catch (error) {
      await cgroups.kill().catch(() => undefined);
      await cgroups.remove().catch(() => undefined);
      this.watchdog.remove(spec.id);
      throw error;
    }
    const devbox = new NamespaceDevbox(spec, launched, cgroups, () => {
      this.devboxes.delete(spec.id);
      this.watchdog.remove(spec.id);
    });
    this.devboxes.set(spec.id, devbox);
    return devbox;
  }

  async reapOrphans(): Promise<void> {
    await reapInstanceCgroups(this.layout, this.instance, new Set([...this.devboxes.keys(), ...this.starting]));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.devboxes.values()].map((devbox) => devbox.stop()));
    this.watchdog.end();
    // The instance dirs go once empty; another runtime on the same data dir may still use them.
    for (const root of [this.layout.unified, ...Object.values(this.layout.v1)]) {
      await rmdir(join(root, this.instance)).catch(() => undefined);
    }
  }
}
