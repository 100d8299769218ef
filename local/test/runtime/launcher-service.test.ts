/**
 * The launcher service (one `runloop-launcher serve` per runtime, which
 * forks every devbox's launcher): what happens when it ends under running
 * devboxes, and that the runtime starts a new one for the next devbox.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeInstanceName } from '../../src/runtime/index.js';
import type { OciRuntime } from '../../src/runtime/oci/runtime.js';
import { loopBackingFiles, run, specFor, useRuntime } from './helpers.js';

describe('namespace runtime: the launcher service', () => {
  const fx = useRuntime('namespaces');

  it('ends the devboxes it can no longer report on when it dies, and is started again for the next devbox', async () => {
    const before = await fx.start();
    const runtime = fx.runtime as OciRuntime;
    const service = await runtime.launcherServicePid();
    expect(service).toBeGreaterThan(1);
    // Started by this test's runtime: ours to end.
    process.kill(service!, 'SIGKILL');
    await expect(before.exited).resolves.toEqual({ reason: 'died' });
    const after = await fx.start();
    expect(await runtime.launcherServicePid()).not.toBe(service);
    expect(await run(after, 'echo alive')).toMatchObject({ code: 0, stdout: 'alive\n' });
  });

  it('says why a start failed, from the launcher’s own stderr, and leaves nothing mounted', async () => {
    const spec = specFor(fx.dataDir);
    // A directory where the disk image belongs: the launcher cannot attach it.
    mkdirSync(join(spec.stateDir, 'disk.img'), { recursive: true });
    await expect(fx.runtime.start(spec)).rejects.toThrow(
      /devbox start failed \(exit 125\): runloop-launcher: .*disk\.img/,
    );
    expect(loopBackingFiles().filter((file) => file.startsWith(fx.dataDir))).toEqual([]);
  });

  it('gives later devboxes the seccomp filter crun compiled for the first, and it holds there too', async () => {
    const first = await fx.start();
    const second = await fx.start();
    const bundleConfig = (id: string) =>
      JSON.parse(readFileSync(`/run/runloop-local/${runtimeInstanceName(fx.dataDir)}/${id}/config.json`, 'utf8')) as {
        annotations?: Record<string, string>;
      };
    // What crun compiled from the profile (it keeps it in the container's state) is what later starts load.
    const compiled = readFileSync(join(fx.dataDir, '.runtime', 'crun', first.id, 'seccomp.bpf')).toString('base64');
    expect(bundleConfig(second.id).annotations).toEqual({ 'run.oci.seccomp_bpf_data': compiled });
    for (const devbox of [first, second]) {
      const probe = await run(
        devbox,
        'grep -E "^Seccomp(_filters)?:" /proc/self/status; unshare -U true 2>&1 || echo refused',
        { user: 'root' },
      );
      expect(probe.stdout).toMatch(/^Seccomp:\s+2\nSeccomp_filters:\s+1\n[^\n]*Operation not permitted\nrefused\n$/);
    }
  });
});
