/**
 * A memory hog in the smallest devbox of a real server (X_SMALL, 1 GiB; the
 * API allows no smaller memory): it allocates 1.5 GiB gradually and is
 * OOM-killed with exit status 137, while the devbox stays running and
 * keeps serving commands.
 */
import { describe, expect, it } from 'vitest';
import { createRunning, exec, shutdown, useIsolatedDevboxServer } from './helpers.js';

/** 1.5 GiB in touched 16 MiB steps; prints how far it got. */
const HOG = `python3 -c 'import sys, time
chunks = []
for i in range(96):
    chunks.append(bytearray(16 << 20))
    if i % 16 == 15:
        print("allocated", (i + 1) * 16, "MiB", flush=True)
    time.sleep(0.005)
print("survived", flush=True)'`;

describe('attack over HTTP: a memory hog', () => {
  const fx = useIsolatedDevboxServer();

  it('is OOM-killed with 137 in an X_SMALL devbox, which keeps serving', async () => {
    const box = await createRunning(fx.server, { launch_parameters: { resource_size_request: 'X_SMALL' } });
    try {
      const hog = await exec(fx.server, box.id, `exec ${HOG}`);
      console.log(
        `memory hog over HTTP (X_SMALL, 1 GiB): exit ${hog.exit_status}, last output ${JSON.stringify(hog.stdout.trim().split('\n').at(-1))}`,
      );
      expect(hog).toMatchObject({ status: 'completed', exit_status: 137 });
      expect(hog.stdout).not.toContain('survived');
      const view = await fx.server.request('GET', `/v1/devboxes/${box.id}`);
      expect(view.json.status).toBe('running');
      expect(await exec(fx.server, box.id, 'echo alive; python3 -c "print(len(bytearray(64 << 20)))"')).toMatchObject({
        exit_status: 0,
        stdout: `alive\n${64 << 20}\n`,
      });
    } finally {
      await shutdown(fx.server, box.id);
    }
  });
});
