import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeInstanceName } from '../../src/runtime/index.js';
import { run, specFor, useRuntime } from './helpers.js';

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
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { memoryBytes: 64 * 1024 * 1024 } }));
    started.push(devbox);
    const hog = await run(devbox, 'python3 -c "b = bytearray(300 * 1024 * 1024); print(len(b))"; echo "exit $?"');
    expect(hog.stdout).toBe('exit 137\n');
    // The command itself killed directly: nsenter re-raises the signal, so the host child dies of SIGKILL.
    const direct = await run(devbox, 'exec python3 -c "b = bytearray(300 * 1024 * 1024)"');
    expect(direct.signal).toBe('SIGKILL');
    const small = await run(devbox, 'python3 -c "b = bytearray(8 * 1024 * 1024); print(len(b))"');
    expect(small).toMatchObject({ code: 0, stdout: `${8 * 1024 * 1024}\n` });
  });

  it('refuses new processes beyond the pids limit', async () => {
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { maxPids: 24 } }));
    started.push(devbox);
    const limited = await run(devbox, `python3 -c '${FORK_UNTIL_REFUSED}'`);
    expect(limited.stdout).toMatch(/^refused after \d+\n$/);
    expect(Number(/\d+/.exec(limited.stdout)?.[0])).toBeLessThan(24);

    const free = await fx.runtime.start(specFor(fx.dataDir));
    started.push(free);
    expect((await run(free, `python3 -c '${FORK_UNTIL_REFUSED}'`)).stdout).toBe('unlimited 200\n');
  });

  it('sets a CPU quota from cpuCores', async () => {
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { cpuCores: 0.5 } }));
    started.push(devbox);
    const dir = join('/sys/fs/cgroup/cpu', runtimeInstanceName(fx.dataDir), devbox.id);
    expect(readFileSync(join(dir, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
    expect(readFileSync(join(dir, 'cpu.cfs_period_us'), 'utf8').trim()).toBe('100000');
    // Commands join the devbox's cgroup, so the quota covers them.
    const cgroup = await run(devbox, 'cat /proc/self/cgroup');
    expect(cgroup.stdout).toContain(`cpu:/${runtimeInstanceName(fx.dataDir)}/${devbox.id}`);
  });
});
