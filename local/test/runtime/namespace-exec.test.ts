import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DevboxNotRunningError, RuntimeInputError, runtimeInstanceName } from '../../src/runtime/index.js';
import { OUTPUT_WINDOW_BYTES } from '../../src/runtime/agent/protocol.js';
import { TEST_LIMITS, collect, eventually, processesOfInstance, run, specFor, useRuntime } from './helpers.js';

/** The v2 cgroup directory of the process `pid`. */
function cgroupDirOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'))!;
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

  it('has its own hostname and PID space with the agent as PID 1', async () => {
    const devbox = await start();
    expect((await run(devbox, 'hostname')).stdout.trim()).toBe(devbox.id.replace(/_/g, '-'));
    const ps = await run(devbox, 'ps -eo pid=,comm=; true');
    const rows = ps.stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(rows[0]).toEqual(['1', 'agent']);
    // Only the agent, this shell and ps itself: no host process is visible.
    expect(rows.map((row) => row[1])).toEqual(['agent', 'bash', 'ps']);
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

  it("has its own network (loopback and the helper's tap0, no host interface), and the host network when asked", async () => {
    const isolated = await start();
    const links = await run(isolated, 'ip -o link show | cut -d: -f2');
    expect(
      links.stdout
        .trim()
        .split('\n')
        .map((s) => s.trim()),
    ).toEqual(['lo', 'tap0']);
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

  it('starts each command in its own session and process group, forked inside by the agent (PID 1)', async () => {
    const devbox = await start();
    const groups = new Set<string>();
    for (let i = 0; i < 3; i++) {
      // pid, pgid, sid and parent of the shell itself: it leads its own group and session, a child of PID 1.
      const { code, stdout } = await run(devbox, 'ps -o pid=,pgid=,sid=,ppid= -p $$');
      expect(code).toBe(0);
      const [pid, pgid, sid, ppid] = stdout.trim().split(/\s+/);
      expect(pgid).toBe(pid);
      expect(sid).toBe(pid);
      expect(ppid).toBe('1');
      groups.add(pgid!);
    }
    expect(groups.size).toBe(3);
  });

  it('reports a devbox whose PID 1 was killed from outside as died', async () => {
    const devbox = await start();
    process.kill(devbox.pid, 'SIGKILL');
    await expect(devbox.exited).resolves.toEqual({ reason: 'died' });
    // Nothing of it lives on: not its network helper either, though nobody called stop().
    await eventually(() => processesOfInstance(runtimeInstanceName(fx.dataDir)).length === 0);
  });

  it('rejects malformed specs with a typed error', async () => {
    await expect(fx.runtime.start(specFor(fx.dataDir, { id: '../evil' }))).rejects.toThrow(RuntimeInputError);
    await expect(fx.runtime.start(specFor(fx.dataDir, { layers: ['/tmp/a,upperdir=/'] }))).rejects.toThrow(
      RuntimeInputError,
    );
    await expect(
      fx.runtime.start(specFor(fx.dataDir, { limits: { ...TEST_LIMITS, memoryBytes: -1 } })),
    ).rejects.toThrow(RuntimeInputError);
  });

  it("sends a busy command's many small writes as few large pieces, every byte in order", async () => {
    const devbox = await start();
    // 20 000 writes of a few bytes each (bash's echo is a builtin: one write per line). The agent
    // lets a busy pipe fill for a millisecond between reads (COALESCE_NS): without that it wakes
    // for about every write, and sends a frame for each.
    const count = 20_000;
    const proc = devbox.spawn({ command: `for i in $(seq 1 ${count}); do echo $i; done` });
    proc.stdin.end();
    proc.stderr.resume();
    const parts: Buffer[] = [];
    proc.stdout.on('data', (chunk: Buffer) => parts.push(chunk));
    expect(await proc.closed).toBe(0);
    const lines = Buffer.concat(parts).toString('latin1').split('\n');
    expect(lines).toHaveLength(count + 1);
    expect(lines.every((line, i) => line === (i === count ? '' : String(i + 1)))).toBe(true);
    expect(parts.length).toBeLessThan(count / 20);
  });

  it('holds back the output of a command nobody reads, never more than one window, while other commands run', async () => {
    const devbox = await start();
    const total = 64 * 1024 * 1024;
    const flood = devbox.spawn({ command: `head -c ${total} /dev/zero` });
    flood.stdin.end();
    flood.stderr.resume();
    // Nobody reads stdout yet: the agent stops at its window, the server buffers no more.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(flood.stdout.readableLength).toBeLessThanOrEqual(OUTPUT_WINDOW_BYTES);
    expect(await run(devbox, 'echo meanwhile')).toMatchObject({ code: 0, stdout: 'meanwhile\n' });
    let received = 0;
    for await (const chunk of flood.stdout) received += (chunk as Buffer).length;
    expect(received).toBe(total);
    expect(await flood.closed).toBe(0);
  });
});
