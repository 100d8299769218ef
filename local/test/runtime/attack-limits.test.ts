/**
 * Resource attacks on real devboxes, each under its own guard so a broken
 * build cannot hurt the shared machine: a fork bomb (small pids limit, an
 * extra `ulimit -u`, a self-ending deadline), a memory hog (small memory
 * limit), /dev/shm and disk fillers (small caps). They assert that the
 * attacker hits the wall, that neighbours and the host keep working, and
 * that the devbox can still be stopped and leaves nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimeInstanceName } from '../../src/runtime/index.js';
import { MIB, diskPaths, freeBytes } from './attack-helpers.js';
import { TEST_LIMITS, collect, eventually, processesOfInstance, run, specFor, useRuntime } from './helpers.js';

/**
 * The classic bash fork bomb, guarded three ways: `ulimit -u`, a deadline
 * every copy checks (bash's SECONDS is inherited by subshells), and the
 * devbox's own pids limit. Its stderr (fork retries) is dropped.
 */
const FORK_BOMB =
  'ulimit -u 512; end=$((SECONDS + 40)); :(){ [ $SECONDS -lt $end ] || exit 0; :|:& }; : 2>/dev/null; sleep 45';

/** Allocates 16 MiB at a time (touched) up to `mib`, printing progress; exits 0 only if it got everything. */
const hog = (mib: number): string =>
  `python3 -c 'import sys, time\nchunks = []\nfor i in range(${mib} // 16):\n    chunks.append(bytearray(16 << 20))\n    time.sleep(0.005)\nprint("survived", len(chunks) * 16)'`;

describe('attack: resource exhaustion', () => {
  const fx = useRuntime('namespaces');
  const { started } = fx;

  it('a fork bomb hits the pids limit: neighbours and the host keep working, stop() ends it, nothing is left', async () => {
    const maxPids = 64;
    const bomb = await fx.runtime.start(specFor(fx.dataDir, { limits: { ...TEST_LIMITS, maxPids, cpuCores: 0.5 } }));
    const neighbour = await fx.runtime.start(specFor(fx.dataDir));
    started.push(neighbour);
    const pidsDir = join('/sys/fs/cgroup/pids', runtimeInstanceName(fx.dataDir), bomb.id);
    const unified = join('/sys/fs/cgroup/unified', runtimeInstanceName(fx.dataDir), bomb.id);
    const pidsFile = [join(pidsDir, 'pids.current'), join(unified, 'pids.current')].find((file) => {
      try {
        readFileSync(file);
        return true;
      } catch {
        return false;
      }
    });
    const proc = bomb.spawn({ command: FORK_BOMB });
    const done = collect(proc);
    let stopMs = -1;
    try {
      // The bomb fills its pids limit.
      if (pidsFile) await eventually(() => Number(readFileSync(pidsFile, 'utf8')) >= maxPids - 2, 20_000);
      else await new Promise((resolve) => setTimeout(resolve, 3_000));
      if (pidsFile) console.log(`fork bomb: ${readFileSync(pidsFile, 'utf8').trim()} of ${maxPids} pids in use`);
      // A neighbour devbox still runs commands; the host still forks.
      const t0 = Date.now();
      expect(await run(neighbour, 'echo neighbour; python3 -c "import os; print(os.getpid() > 0)"')).toMatchObject({
        code: 0,
        stdout: 'neighbour\nTrue\n',
      });
      console.log(`fork bomb: neighbour exec took ${Date.now() - t0} ms`);
      for (let i = 0; i < 5; i += 1) {
        const host = spawnSync('/bin/true', { timeout: 5_000 });
        expect(host.error).toBeUndefined();
        expect(host.status).toBe(0);
      }
      // The bomb's own devbox refuses more processes but its pid count never exceeds the limit.
      if (pidsFile) expect(Number(readFileSync(pidsFile, 'utf8'))).toBeLessThanOrEqual(maxPids);
    } finally {
      const t1 = Date.now();
      await bomb.stop({ discard: true });
      stopMs = Date.now() - t1;
      console.log(`fork bomb: stop() took ${stopMs} ms`);
    }
    expect(await bomb.exited).toEqual({ reason: 'stopped' });
    console.log(`fork bomb: the bomb command ended with ${JSON.stringify((await done).code)}`);
    // Generous safety bound only (the 2 s target belongs to the bench).
    expect(stopMs).toBeLessThan(10_000);
    const instance = runtimeInstanceName(fx.dataDir);
    await eventually(() => {
      try {
        readFileSync(join(pidsDir, 'pids.current'));
        return false;
      } catch {
        return true;
      }
    }, 5_000);
    const survivors = processesOfInstance(instance).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(bomb.id);
      } catch {
        return false;
      }
    });
    expect(survivors, 'bomb processes outlived stop()').toEqual([]);
    expect((await run(neighbour, 'echo after')).stdout).toBe('after\n');
  });

  it('a memory hog is OOM-killed with 137 and the devbox keeps serving', async () => {
    const memoryBytes = 128 * MIB;
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { ...TEST_LIMITS, memoryBytes } }));
    started.push(devbox);
    const killed = await run(devbox, `exec ${hog(1024)}`);
    console.log(
      `memory hog (limit ${memoryBytes / MIB} MiB): exit ${killed.code}, stdout ${JSON.stringify(killed.stdout)}`,
    );
    expect(killed.code).toBe(137);
    expect(killed.stdout).not.toContain('survived');
    // As a child of the shell too (the shell lives on and reports it).
    expect((await run(devbox, `${hog(1024)}; echo "status $?"`)).stdout).toBe('status 137\n');
    // The devbox is not dead and keeps serving; small allocations work.
    expect((await run(devbox, hog(32))).stdout).toBe('survived 32\n');
    expect((await run(devbox, 'echo alive')).stdout).toBe('alive\n');
    const exited = await Promise.race([
      devbox.exited,
      new Promise((resolve) => setTimeout(() => resolve('running'), 100)),
    ]);
    expect(exited).toBe('running');
  });

  it('/dev/shm and disk fillers hit ENOSPC at their caps; the host loses at most the cap and gets it back', async () => {
    const diskBytes = 256 * MIB;
    const shmBytes = 16 * MIB;
    const freeAtStart = freeBytes(fx.dataDir);
    const devbox = await fx.runtime.start(specFor(fx.dataDir, { limits: { ...TEST_LIMITS, diskBytes, shmBytes } }));
    // /dev/shm: a tmpfs of shmBytes.
    const shm = await run(
      devbox,
      'dd if=/dev/zero of=/dev/shm/x bs=1M count=64 status=none; echo "dd $?"; stat -c %s /dev/shm/x',
    );
    console.log(
      `/dev/shm filler (cap ${shmBytes / MIB} MiB): ${shm.stdout.trim().replace('\n', ', ')} bytes; ${shm.stderr.trim()}`,
    );
    expect(shm.stderr).toMatch(/No space left on device/);
    const [shmStatus, shmSize] = shm.stdout.trim().split('\n');
    expect(shmStatus).not.toBe('dd 0');
    expect(Number(shmSize)).toBeLessThanOrEqual(shmBytes);
    expect(Number(shmSize)).toBeGreaterThan(shmBytes / 2);
    // The disk: an image of diskBytes; as root too (no reserved blocks to dig into).
    const disk = await run(
      devbox,
      'dd if=/dev/zero of=/home/user/big bs=1M count=400 status=none; echo "dd $?"; stat -c %s /home/user/big; sync',
      { user: 'root' },
    );
    console.log(
      `disk filler (cap ${diskBytes / MIB} MiB): ${disk.stdout.trim().replace('\n', ', ')} bytes; ${disk.stderr.trim()}`,
    );
    expect(disk.stderr).toMatch(/No space left on device/);
    const [diskStatus, diskSize] = disk.stdout.trim().split('\n');
    expect(diskStatus).not.toBe('dd 0');
    expect(Number(diskSize)).toBeLessThanOrEqual(diskBytes);
    expect(Number(diskSize)).toBeGreaterThan(diskBytes / 2);
    // The devbox still answers, and freeing the space works.
    expect((await run(devbox, 'rm /home/user/big /dev/shm/x && echo freed', { user: 'root' })).stdout).toBe('freed\n');
    const refill = await run(
      devbox,
      'dd if=/dev/zero of=/home/user/big bs=1M count=400 status=none; sync; stat -c %s /home/user/big',
      { user: 'root' },
    );
    const { image } = diskPaths(fx.dataDir, devbox.id);
    // Deterministic: the image never holds more than its cap.
    const allocated = statSync(image).blocks * 512;
    const freeWhileFull = freeBytes(fx.dataDir);
    const drop = freeAtStart - freeWhileFull;
    console.log(
      `host: disk image ${Math.round(allocated / MIB)} MiB allocated (cap ${diskBytes / MIB} MiB), refill ${Math.round(Number(refill.stdout.trim()) / MIB)} MiB, ` +
        `host free space dropped by ${Math.round(drop / MIB)} MiB`,
    );
    expect(allocated).toBeLessThanOrEqual(diskBytes);
    // Other engineers share this filesystem: a generous margin for their writes.
    const margin = 256 * MIB;
    expect(drop).toBeLessThanOrEqual(diskBytes + margin);
    await devbox.stop({ discard: true });
    const freeAfter = freeBytes(fx.dataDir);
    console.log(`host: free space came back by ${Math.round((freeAfter - freeWhileFull) / MIB)} MiB after discard`);
    expect(freeAfter).toBeGreaterThanOrEqual(freeWhileFull + Number(refill.stdout.trim()) - margin);
  });
});
