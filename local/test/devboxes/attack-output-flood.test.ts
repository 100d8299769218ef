/**
 * A devbox filling the host's disk through its command output instead of
 * its own disk: the server keeps every execution's stdout and stderr in the
 * data dir, outside the devbox's disk image. A devbox with the smallest disk
 * the API allows (2 GiB) writes 2.5 GiB to stdout; the host must not keep
 * more than the disk cap (plus a margin) for it.
 *
 * Bounded: `head -c` ends the output; the test stops the devbox as soon as
 * the stored output passes the bound, and the data dir goes at the end.
 * Costs up to ~2.3 GiB of temporary disk and about a minute when it fails.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunning, shutdown, useIsolatedDevboxServer } from './helpers.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** Bytes under `dir` (files only, one level of subdirectories is enough for executions/<id>/{stdout,stderr}). */
function bytesUnder(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const stats = statSync(path);
      total += stats.isDirectory() ? bytesUnder(path) : stats.blocks * 512;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

describe('attack over HTTP: filling the host disk through command output', () => {
  const fx = useIsolatedDevboxServer();

  it('keeps no more of a devbox’s output on the host than its disk cap', async () => {
    const diskBytes = 2 * GIB;
    const box = await createRunning(fx.server, {
      launch_parameters: {
        resource_size_request: 'CUSTOM_SIZE',
        custom_cpu_cores: 0.5,
        custom_gb_memory: 1,
        custom_disk_size: 2,
      },
    });
    const bound = diskBytes + 256 * MIB;
    let stored = 0;
    let finished = false;
    try {
      const started = await fx.server.request('POST', `/v1/devboxes/${box.id}/execute_async`, {
        command: 'head -c 2560M /dev/zero',
      });
      expect(started.status, started.text).toBe(200);
      const executionId: string = started.json.execution_id;
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        stored = bytesUnder(join(fx.server.dataDir, 'executions'));
        if (stored > bound) break;
        const view = await fx.server.request('GET', `/v1/devboxes/${box.id}/executions/${executionId}`);
        if (view.json?.status === 'completed') {
          finished = true;
          // The command learns nothing, but whoever reads its output is told where it was cut.
          expect(view.json.stderr).toContain('further output is discarded');
          stored = bytesUnder(join(fx.server.dataDir, 'executions'));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await shutdown(fx.server, box.id);
    }
    console.log(
      `output flood: the host keeps ${Math.round(stored / MIB)} MiB of execution output for a devbox with a ${diskBytes / MIB} MiB disk (command ${finished ? 'finished' : 'stopped early'})`,
    );
    expect(stored, 'execution output stored on the host exceeds the devbox disk cap').toBeLessThanOrEqual(bound);
  }, 180_000);
});
