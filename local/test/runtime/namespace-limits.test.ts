import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeInstanceName } from '../../src/runtime/index.js';
import { TEST_LIMITS, run, specFor, useRuntime } from './helpers.js';

const FORK_UNTIL_REFUSED = `
import os, signal
children = []
try:
    while len(children) < 200:
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        children.append(pid)
    print("unlimited", len(children))
except OSError:
    print("refused after", len(children))
for pid in children:
    os.kill(pid, 9)
`;

describe('namespace runtime: resource limits', () => {
  const fx = useRuntime('namespaces');
  const { started } = fx;

  it('OOM-kills a command that exceeds the memory limit; the devbox lives on', async () => {
    const devbox = await fx.runtime.start(
      specFor(fx.dataDir, { limits: { ...TEST_LIMITS, memoryBytes: 64 * 1024 * 1024 } }),
    );
    started.push(devbox);
    const hog = await run(devbox, 'python3 -c "b = bytearray(300 * 1024 * 1024); print(len(b))"; echo "exit $?"');
    expect(hog.stdout).toBe('exit 137\n');
    // The command itself killed directly: its shell-style status says SIGKILL.
    const direct = await run(devbox, 'exec python3 -c "b = bytearray(300 * 1024 * 1024)"');
    expect(direct.code).toBe(137);
    const small = await run(devbox, 'python3 -c "b = bytearray(8 * 1024 * 1024); print(len(b))"');
    expect(small).toMatchObject({ code: 0, stdout: `${8 * 1024 * 1024}\n` });
  });

  it('refuses new processes beyond the pids limit', async () => {
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { ...TEST_LIMITS, maxPids: 24 } }));
    started.push(devbox);
    const limited = await run(devbox, `python3 -c '${FORK_UNTIL_REFUSED}'`);
    expect(limited.stdout).toMatch(/^refused after \d+\n$/);
    expect(Number(/\d+/.exec(limited.stdout)?.[0])).toBeLessThan(24);

    const free = await fx.runtime.start(specFor(fx.dataDir));
    started.push(free);
    expect((await run(free, `python3 -c '${FORK_UNTIL_REFUSED}'`)).stdout).toBe('unlimited 200\n');
  });

  it('sets a CPU quota from cpuCores', async () => {
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { ...TEST_LIMITS, cpuCores: 0.5 } }));
    started.push(devbox);
    const dir = join('/sys/fs/cgroup/cpu', runtimeInstanceName(fx.dataDir), devbox.id);
    expect(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
    expect(readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8').trim()).toBe('100000');
    // Commands are forked inside the devbox's cgroup, so the quota covers them; a cgroup
    // namespace shows them their group as the root, never the host's path.
    const cgroup = await run(
      devbox,
      'cat /proc/self/cgroup; sleep 0.3 & cat "/proc/$!/cgroup" >/dev/null; wc -l < /proc/self/cgroup',
    );
    expect(cgroup.stdout).toMatch(/^\d+:cpu:\/$/m);
    expect(cgroup.stdout).not.toContain(runtimeInstanceName(fx.dataDir));
    expect(readFileSync(join(dir, 'tasks'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(1);
  });

  it('is born in groups the server made and limited: memory + swap capped together, only the default devices', async () => {
    const devbox = await fx.runtime.start(
      specFor(fx.dataDir, { limits: { ...TEST_LIMITS, memoryBytes: 96 * 1024 * 1024 } }),
    );
    started.push(devbox);
    const group = (controller: string, file: string) =>
      readFileSync(join('/sys/fs/cgroup', controller, runtimeInstanceName(fx.dataDir), devbox.id, file), 'utf8');
    expect(group('memory', 'memory.limit_in_bytes').trim()).toBe(String(96 * 1024 * 1024));
    expect(group('memory', 'memory.memsw.limit_in_bytes').trim()).toBe(String(96 * 1024 * 1024));
    // The OCI runtime does not manage cgroups here: the init was in every group from its first instruction.
    for (const controller of ['unified', 'memory', 'cpu', 'pids', 'devices'])
      expect(group(controller, 'cgroup.procs').split('\n')).toContain(String(devbox.pid));
    expect(group('devices', 'devices.list').trim().split('\n').sort()).toEqual(
      [
        'c 1:3 rwm',
        'c 1:5 rwm',
        'c 1:7 rwm',
        'c 1:8 rwm',
        'c 1:9 rwm',
        'c 5:0 rwm',
        'c 5:1 rwm',
        'c 5:2 rwm',
        'c 136:* rwm',
      ].sort(),
    );
    expect((await run(devbox, 'echo x > /dev/null && head -c 4 /dev/zero | wc -c')).stdout).toBe('4\n');
  });
});
