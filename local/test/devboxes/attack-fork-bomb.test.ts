/**
 * A fork bomb in one devbox of a real server, driven over HTTP: the API
 * keeps answering (p99 of GET /v1/devboxes/{id} is printed, with a generous
 * bound that only catches a hang), another devbox still runs commands, the
 * host still forks, and shutting the bomb's devbox down works and leaves no
 * process behind. The bomb is guarded: `ulimit -u`, a deadline every copy
 * checks, and the smallest size's pids limit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runtimeInstanceName } from '../../src/runtime/index.js';
import { createRunning, exec, shutdown, waitDevbox, useIsolatedDevboxServer } from './helpers.js';

const FORK_BOMB =
  'ulimit -u 256; end=$((SECONDS + 60)); :(){ [ $SECONDS -lt $end ] || exit 0; :|:& }; : 2>/dev/null; sleep 65';

/** Host pids in `id`'s cgroup of the server's runtime instance. */
function processesOf(instance: string, id: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cgroup = readFileSync(`/proc/${name}/cgroup`, 'utf8');
      if (cgroup.includes(`${instance}/${id}`)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('attack over HTTP: a fork bomb in one devbox', () => {
  const fx = useIsolatedDevboxServer();

  it('keeps the API answering, the neighbour working and the host forking; shutdown ends the bomb', async () => {
    const small = { launch_parameters: { resource_size_request: 'X_SMALL' } };
    const bomb = await createRunning(fx.server, { name: 'bomb', ...small });
    const neighbour = await createRunning(fx.server, { name: 'neighbour', ...small });
    const instance = runtimeInstanceName(fx.server.dataDir);
    try {
      const started = await fx.server.request('POST', `/v1/devboxes/${bomb.id}/execute_async`, { command: FORK_BOMB });
      expect(started.status, started.text).toBe(200);
      // Let it spread: wait until the devbox holds many processes (bounded).
      const deadline = Date.now() + 20_000;
      while (processesOf(instance, bomb.id).length < 150 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      console.log(`fork bomb over HTTP: ${processesOf(instance, bomb.id).length} processes in the bomb's devbox`);

      const latencies: number[] = [];
      for (let i = 0; i < 100; i += 1) {
        const t0 = performance.now();
        const view = await fx.server.request('GET', `/v1/devboxes/${bomb.id}`);
        latencies.push(performance.now() - t0);
        expect(view.status).toBe(200);
        expect(view.json.status).toBe('running');
      }
      latencies.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      console.log(
        `fork bomb over HTTP: GET /v1/devboxes/{id} ×100: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
      );
      // Only to catch a hang; the real target belongs to the bench.
      expect(p99).toBeLessThan(2_000);

      const t1 = Date.now();
      const other = await exec(fx.server, neighbour.id, 'echo neighbour ok; ls / | wc -l');
      console.log(`fork bomb over HTTP: neighbour exec took ${Date.now() - t1} ms`);
      expect(other).toMatchObject({ status: 'completed', exit_status: 0 });
      expect(other.stdout).toMatch(/^neighbour ok\n\d+\n$/);
      const host = spawnSync('/bin/true', { timeout: 5_000 });
      expect(host.error).toBeUndefined();
      expect(host.status).toBe(0);

      const t2 = Date.now();
      const down = await fx.server.request('POST', `/v1/devboxes/${bomb.id}/shutdown`);
      expect(down.status, down.text).toBe(200);
      const gone = await waitDevbox(fx.server, bomb.id, ['shutdown', 'failure']);
      const shutdownMs = Date.now() - t2;
      console.log(`fork bomb over HTTP: shutdown took ${shutdownMs} ms`);
      expect(gone.status).toBe('shutdown');
      expect(shutdownMs).toBeLessThan(10_000);
      expect(processesOf(instance, bomb.id)).toEqual([]);
      expect((await exec(fx.server, neighbour.id, 'echo still here')).stdout).toBe('still here\n');
    } finally {
      await shutdown(fx.server, bomb.id);
      await shutdown(fx.server, neighbour.id);
    }
  });
});
