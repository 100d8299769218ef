/**
 * The launcher service (one `runloop-launcher serve` per runtime, which
 * forks every devbox's launcher): what happens when it ends under running
 * devboxes, and that the runtime starts a new one for the next devbox.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
