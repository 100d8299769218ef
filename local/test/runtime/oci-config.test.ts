import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES, devboxOciConfig, type DevboxConfigInput } from '../../src/runtime/oci/config.js';
import { CONTAINERS_SECCOMP_PROFILE, convertContainersProfile } from '../../src/runtime/oci/seccomp.js';
import { TEST_LIMITS } from './test-limits.js';

const INPUT: DevboxConfigInput = {
  hostname: 'dbx-1',
  rootfs: 'rootfs',
  ids: { hostStart: 100_000, size: 65_536 },
  limits: TEST_LIMITS,
  network: 'isolated',
  cgroupsPath: '/runloop-local-ab/dbx_1',
  seccomp: undefined,
  init: ['/.runloop/agent', 'init'],
};

type Config = {
  process: { capabilities: Record<string, string[]>; noNewPrivileges: boolean; user: { uid: number } };
  mounts: Array<{ destination: string; type: string; options: string[] }>;
  linux: {
    uidMappings: Array<{ containerID: number; hostID: number; size: number }>;
    namespaces: Array<{ type: string }>;
    resources: {
      memory: { limit: number; swap: number };
      pids: { limit: number };
      cpu: { quota: number; period: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
    sysctl?: Record<string, string>;
  };
};

describe('devbox OCI config', () => {
  const config = devboxOciConfig(INPUT) as unknown as Config;

  it('maps devbox root to the unprivileged range and never maps host uid 0', () => {
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: 100_000, size: 65_536 }]);
    expect(config.linux.namespaces.map((n) => n.type).sort()).toEqual([
      'cgroup',
      'ipc',
      'mount',
      'network',
      'pid',
      'user',
      'uts',
    ]);
  });

  it("keeps Docker's capability set and nothing that administers the host", () => {
    for (const set of ['bounding', 'effective', 'permitted'])
      expect(config.process.capabilities[set]).toEqual([...DEFAULT_CAPABILITIES]);
    for (const cap of ['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_MODULE', 'CAP_NET_ADMIN', 'CAP_DAC_READ_SEARCH']) {
      expect(DEFAULT_CAPABILITIES).not.toContain(cap);
    }
  });

  it('limits memory (no swap beyond it), cpu, pids and /dev/shm from the limits', () => {
    expect(config.linux.resources.memory).toEqual({ limit: TEST_LIMITS.memoryBytes, swap: TEST_LIMITS.memoryBytes });
    expect(config.linux.resources.pids).toEqual({ limit: TEST_LIMITS.maxPids });
    expect(config.linux.resources.cpu).toEqual({ quota: 100_000, period: 100_000 });
    const shm = config.mounts.find((m) => m.destination === '/dev/shm');
    expect(shm?.options).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec', `size=${TEST_LIMITS.shmBytes}`]));
  });

  it('masks kernel interfaces and makes /proc/sys read-only; sysfs is read-only', () => {
    expect(config.linux.maskedPaths).toEqual(
      expect.arrayContaining(['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware']),
    );
    expect(config.linux.readonlyPaths).toEqual(
      expect.arrayContaining(['/proc/sys', '/proc/sysrq-trigger', '/proc/irq', '/proc/bus']),
    );
    expect(config.mounts.find((m) => m.destination === '/sys')?.options).toContain('ro');
    for (const mount of config.mounts) expect(mount.options, mount.destination).toContain('nosuid');
  });

  it('gives a host-network devbox no sysctls and an empty /sys (that network namespace is not its own)', () => {
    const host = devboxOciConfig({ ...INPUT, network: 'host' }) as unknown as Config;
    expect(host.linux.namespaces.map((n) => n.type)).not.toContain('network');
    expect(host.linux.sysctl).toBeUndefined();
    expect(host.mounts.find((m) => m.destination === '/sys')?.type).toBe('tmpfs');
  });
});

describe('seccomp profile conversion', () => {
  const profile = JSON.parse(readFileSync(CONTAINERS_SECCOMP_PROFILE, 'utf8'));
  const seccomp = convertContainersProfile(profile, DEFAULT_CAPABILITIES, 'x64');
  const rulesFor = (name: string) => seccomp.syscalls.filter((rule) => rule.names.includes(name));

  it('keeps the default deny and this architecture only', () => {
    expect(seccomp.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(seccomp.architectures[0]).toBe('SCMP_ARCH_X86_64');
  });

  it('denies what needs a capability the devbox lacks, allows what its caps cover', () => {
    expect(rulesFor('bpf').map((r) => r.action)).toEqual(['SCMP_ACT_ERRNO']);
    expect(rulesFor('init_module').map((r) => r.action)).toEqual(['SCMP_ACT_ERRNO']);
    expect(rulesFor('chroot').map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW']);
    expect(rulesFor('arch_prctl').map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW']);
    expect(rulesFor('s390_runtime_instr')).toEqual([]);
  });

  it('allows clone and unshare only without CLONE_NEWUSER, and sends clone3 to the clone fallback', () => {
    for (const name of ['clone', 'unshare']) {
      const rules = rulesFor(name);
      expect(rules.find((r) => r.action === 'SCMP_ACT_ALLOW')?.args).toEqual([
        { index: 0, value: 0x10000000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' },
      ]);
      expect(rules.find((r) => r.action === 'SCMP_ACT_ERRNO')?.args?.[0]?.valueTwo).toBe(0x10000000);
      expect(rules.filter((r) => r.action === 'SCMP_ACT_ALLOW' && r.args === undefined)).toEqual([]);
    }
    expect(rulesFor('clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  });

  it('refuses the kernel keyring (key quotas are shared by every devbox root)', () => {
    expect(rulesFor('keyctl')).toEqual([{ names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
    expect(rulesFor('add_key').every((r) => r.action === 'SCMP_ACT_ERRNO')).toBe(true);
  });
});
