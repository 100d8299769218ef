import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevboxNotRunningError, RuntimeInputError } from '../../src/runtime/index.js';
import { collect, eventually, run, specFor, useRuntime } from './helpers.js';

/** The v2 cgroup directory of the process `pid`. */
function cgroupDirOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))!;
  return `/sys/fs/cgroup/unified${line.slice(3)}`;
}

describe('namespace runtime: exec and isolation', () => {
  const fx = useRuntime('namespaces');
  const { start } = fx;
  const hostMarkers: string[] = [];
  afterEach(() => {
    for (const marker of hostMarkers.splice(0)) rmSync(marker, { force: true });
  });

  it('says it runs namespaces', () => {
    expect(fx.runtime.info.mode).toBe('namespaces');
    expect(fx.runtime.info.detail).toMatch(/namespaces/);
  });

  it('runs commands with their exit codes, stdout and stderr, as uid 1000 in /home/user', async () => {
    const devbox = await start();
    const ok = await run(devbox, 'echo out; echo err >&2; id -u; id -g; pwd; echo "$HOME $USER"');
    expect(ok).toMatchObject({ code: 0, stderr: 'err\n' });
    expect(ok.stdout).toBe('out\n1000\n1000\n/home/user\n/home/user user\n');
    expect((await run(devbox, 'exit 42')).code).toBe(42);
    expect((await run(devbox, 'no-such-command-here')).code).toBe(127);
  });

  it('passes env over a clean environment, honours cwd and runs as root on request', async () => {
    const devbox = await start();
    process.env['RUNLOOP_HOST_SECRET'] = 'leak';
    try {
      const env = await run(devbox, 'echo "$GREETING"; env', { env: { GREETING: 'hi there' } });
      expect(env.stdout.split('\n')[0]).toBe('hi there');
      expect(env.stdout).not.toContain('RUNLOOP_HOST_SECRET');
    } finally {
      delete process.env['RUNLOOP_HOST_SECRET'];
    }
    expect((await run(devbox, 'pwd', { cwd: '/tmp' })).stdout).toBe('/tmp\n');
    expect((await run(devbox, 'id -u; echo $HOME', { user: 'root' })).stdout).toBe('0\n/root\n');
    expect(() => devbox.spawn({ command: 'true', env: { 'BAD=KEY': 'x' } })).toThrow(RuntimeInputError);
  });

  it('has its own hostname and PID space with tini as PID 1', async () => {
    const devbox = await start();
    expect((await run(devbox, 'hostname')).stdout.trim()).toBe(devbox.id.replace(/_/g, '-'));
    const ps = await run(devbox, 'ps -eo pid=,comm=; true');
    const rows = ps.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
    expect(rows[0]).toEqual(['1', 'tini']);
    // Only tini, its sleep (maybe not forked yet), this shell and ps itself: no host process is visible.
    const commands = rows.map((row) => row[1]);
    expect(commands).toEqual(expect.arrayContaining(['tini', 'bash', 'ps']));
    expect(commands.filter((c) => !['tini', 'sleep', 'bash', 'ps'].includes(c ?? ''))).toEqual([]);
    expect(devbox.pid).toBeGreaterThan(1);
  });

  it('keeps /home/user and /tmp private to each devbox, and hides the host', async () => {
    const a = await start();
    const b = await start();
    const marker = join('/root', `runloop-host-marker-${process.pid}`);
    writeFileSync(marker, 'host secret');
    hostMarkers.push(marker);
    mkdirSync(join(fx.dataDir, 'visible-to-host-only'), { recursive: true });

    expect((await run(a, 'echo from-a > ~/a.txt && echo tmp-a > /tmp/a.txt')).code).toBe(0);
    const seenByB = await run(b, 'ls -a ~ /tmp; cat ~/a.txt /tmp/a.txt');
    expect(seenByB.stdout).not.toContain('a.txt');
    expect(seenByB.code).not.toBe(0);

    const hostView = await run(a, `cat ${marker}; ls ${fx.dataDir}; ls /work`, { user: 'root' });
    expect(hostView.stdout).toBe('');
    expect(hostView.stderr).toMatch(/No such file/);
  });

  it('has only loopback in an isolated network, and the host network when asked', async () => {
    const isolated = await start();
    const links = await run(isolated, 'ip -o link show | cut -d: -f2');
    expect(links.stdout.trim().split('\n').map((s) => s.trim())).toEqual(['lo']);
    const shared = await start({ network: 'host' });
    const hostLinks = await run(shared, 'ip -o link show | wc -l');
    expect(Number(hostLinks.stdout.trim())).toBeGreaterThan(1);
  });

  it('reports a stop through exited and refuses work afterwards', async () => {
    const devbox = await fx.runtime.start(specFor(fx.dataDir));
    await devbox.stop({ discard: true });
    await expect(devbox.exited).resolves.toEqual({ reason: 'stopped' });
    expect(() => devbox.spawn({ command: 'true' })).toThrow(DevboxNotRunningError);
    await devbox.stop(); // idempotent
  });

  it('starts each command in its own fresh group, even when the prepared host process was killed', async () => {
    const devbox = await start();
    const groups = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const child = devbox.spawn({ command: `echo ${i}` });
      groups.add(child.pid!);
      expect(await collect(child)).toMatchObject({ code: 0, stdout: `${i}\n`, stderr: '' });
    }
    expect(groups.size).toBe(3);
    // Kill the host process waiting for the next command (it sits in the devbox's v2 cgroup).
    const waitingProcesses = (): number[] =>
      readFileSync(join(cgroupDirOf(devbox.pid), 'cgroup.procs'), 'utf8')
        .split('\n').filter(Boolean).map(Number)
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('mapfile');
          } catch {
            return false;
          }
        });
    await eventually(() => waitingProcesses().length === 1);
    const [waiting] = waitingProcesses();
    process.kill(waiting!, 'SIGKILL');
    // Reaped means the server has seen it exit.
    await eventually(() => !existsSync(`/proc/${waiting}`));
    expect(await run(devbox, 'echo after')).toMatchObject({ code: 0, stdout: 'after\n' });
  });

  it('reports a devbox whose PID 1 was killed from outside as died', async () => {
    const devbox = await start();
    process.kill(devbox.pid, 'SIGKILL');
    await expect(devbox.exited).resolves.toEqual({ reason: 'died' });
  });

  it('rejects malformed specs with a typed error', async () => {
    await expect(fx.runtime.start(specFor(fx.dataDir, { id: '../evil' }))).rejects.toThrow(RuntimeInputError);
    await expect(fx.runtime.start(specFor(fx.dataDir, { layers: ['/tmp/a,upperdir=/'] }))).rejects.toThrow(RuntimeInputError);
    await expect(fx.runtime.start(specFor(fx.dataDir, { limits: { memoryBytes: -1 } }))).rejects.toThrow(RuntimeInputError);
  });
});
