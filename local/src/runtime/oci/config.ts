/**
 * The OCI runtime config (config.json) of one devbox, for runc. Pure: the
 * same inputs give the same document. The hardening here follows what
 * Docker and Podman apply by default, so the sandbox is the one the field
 * already trusts: a user namespace whose root is an unprivileged host uid,
 * Docker's capability set, the containers-common seccomp profile, masked and
 * read-only /proc paths, nosuid/nodev/noexec wherever a mount allows it.
 */
import type { ResourceLimits } from '../types.js';
import type { OciSeccomp } from './seccomp.js';

/**
 * Docker's default capability set: what a root process inside may use, and
 * only over the devbox's own user namespace.
 *
 * @example
 * DEFAULT_CAPABILITIES.includes('CAP_SYS_ADMIN'); // false
 */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
] as const;

/** Paths that would tell a devbox about the host, or let it poke at the kernel (Docker's list). */
const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The devbox's uid/gid range on the host: devbox id `n` is host id `hostStart + n`.
 *
 * @example
 * const range: IdRange = { hostStart: 100_000, size: 65_536 }; // devbox root = host uid 100000
 */
export interface IdRange {
  readonly hostStart: number;
  readonly size: number;
}

/**
 * Everything the config depends on.
 *
 * @example
 * const input: DevboxConfigInput = { hostname: 'dbx-1', rootfs: 'rootfs', ids, limits, network: 'isolated', cgroupsPath: '/runloop-local-ab12/dbx_1', seccomp };
 */
export interface DevboxConfigInput {
  readonly hostname: string;
  /** The root filesystem, relative to the bundle (the overlay mount point). */
  readonly rootfs: string;
  readonly ids: IdRange;
  readonly limits: ResourceLimits;
  /** `host` keeps the host's network namespace (blueprint builds); `isolated` gets loopback only. */
  readonly network: 'host' | 'isolated';
  /** cgroup path under every hierarchy's root (cgroupfs driver). */
  readonly cgroupsPath: string;
  readonly seccomp: OciSeccomp | undefined;
  /** PID 1, inside the devbox. */
  readonly init: readonly string[];
}

/**
 * Builds the config.json document.
 *
 * @example
 * await writeFile(join(bundle, 'config.json'), JSON.stringify(devboxOciConfig(input)));
 */
export function devboxOciConfig(input: DevboxConfigInput): Record<string, unknown> {
  const { limits } = input;
  const period = 100_000;
  const caps = [...DEFAULT_CAPABILITIES];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: input.init,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      // sudo and other setuid programs inside must work; they only ever reach devbox root.
      noNewPrivileges: false,
      oomScoreAdj: 0,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${limits.shmBytes}`],
      },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      // sysfs belongs to a network namespace: one the devbox does not own (host network) gets an empty /sys.
      input.network === 'isolated'
        ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] }
        : {
            destination: '/sys',
            type: 'tmpfs',
            source: 'tmpfs',
            options: ['nosuid', 'noexec', 'nodev', 'ro', 'size=0'],
          },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      uidMappings: [{ containerID: 0, hostID: input.ids.hostStart, size: input.ids.size }],
      gidMappings: [{ containerID: 0, hostID: input.ids.hostStart, size: input.ids.size }],
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'user' },
        { type: 'cgroup' },
        ...(input.network === 'isolated' ? [{ type: 'network' }] : []),
      ],
      cgroupsPath: input.cgroupsPath,
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        memory: { limit: limits.memoryBytes, swap: limits.memoryBytes },
        cpu: { quota: Math.max(1000, Math.round(limits.cpuCores * period)), period },
        pids: { limit: limits.maxPids },
      },
      // Docker's defaults: any user may bind low ports and ping, in this network namespace only.
      ...(input.network === 'isolated'
        ? {
            sysctl: {
              'net.ipv4.ip_unprivileged_port_start': '0',
              'net.ipv4.ping_group_range': `0 ${input.ids.size - 1}`,
            },
          }
        : {}),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      ...(input.seccomp ? { seccomp: input.seccomp } : {}),
    },
  };
}
