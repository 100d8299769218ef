import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom, map, toArray } from 'rxjs';
import { DevboxStateError, NotFoundError, PollingTimeoutError, type Devbox } from '../../../src/index.js';
import { collect, startHarness, type Harness } from './harness.js';

let h: Harness;
let devbox: Devbox;

beforeAll(async () => {
  h = await startHarness();
  devbox = await lastValueFrom(h.sdk.devbox.create({ name: 'e2e-devbox', metadata: { suite: 'devbox' } }));
});
afterAll(async () => {
  await h?.dispose();
});

describe('Devbox (real runloop-local)', () => {
  it('creates a running devbox and reads its info', async () => {
    const info = await lastValueFrom(devbox.getInfo());
    expect(info).toMatchObject({ id: devbox.id, status: 'running', name: 'e2e-devbox', metadata: { suite: 'devbox' } });
  });

  it('fromId waits for running and attaches; a wrong id fails with NotFoundError', async () => {
    const attached = await lastValueFrom(h.sdk.devbox.fromId(devbox.id));
    expect(attached.id).toBe(devbox.id);
    await expect(lastValueFrom(h.sdk.devbox.fromId('dbx_does_not_exist'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists devboxes lazily across pages', async () => {
    const ids = await lastValueFrom(
      h.sdk.devbox.list({ pageSize: 1 }).pipe(
        map((d) => d.id),
        toArray(),
      ),
    );
    expect(ids).toContain(devbox.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await lastValueFrom(h.sdk.devbox.list({ limit: 1 }).pipe(toArray()))).toHaveLength(1);
  });

  it('exec: exit codes, stdout/stderr, named shells', async () => {
    const ok = await lastValueFrom(devbox.cmd.exec('echo out; echo err >&2'));
    expect([ok.exitCode, ok.success, ok.failed]).toEqual([0, true, false]);
    expect(await lastValueFrom(ok.stdout())).toBe('out\n');
    expect(await lastValueFrom(ok.stderr())).toBe('err\n');
    const bad = await lastValueFrom(devbox.cmd.exec('exit 7'));
    expect([bad.exitCode, bad.success, bad.failed]).toEqual([7, false, true]);
    const sh = devbox.shell('e2e-shell');
    await lastValueFrom(sh.exec('cd /tmp && export FOO=bar'));
    const pwd = await lastValueFrom(sh.exec('echo "$(pwd) $FOO"'));
    expect(await lastValueFrom(pwd.stdout())).toBe('/tmp bar\n');
  });

  it('exec with callbacks delivers whole lines as they arrive', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const all: string[] = [];
    const result = await lastValueFrom(
      devbox.cmd.exec('for i in 1 2 3; do printf "line$i\\n"; printf "e$i\\n" >&2; done; printf tail', {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        output: (l) => all.push(l),
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(out).toEqual(['line1', 'line2', 'line3', 'tail']);
    expect(err).toEqual(['e1', 'e2', 'e3']);
    expect([...all].sort()).toEqual([...out, ...err].sort());
  });

  it('complete output even beyond the inline tail', async () => {
    const result = await lastValueFrom(devbox.cmd.exec('seq 1 5000'));
    const text = await lastValueFrom(result.stdout());
    expect(text.split('\n').filter(Boolean)).toHaveLength(5000);
    expect(await lastValueFrom(result.stdout(2))).toBe('4999\n5000');
  });

  it('cmd.stream emits tagged lines then the exit', async () => {
    const events = await lastValueFrom(devbox.cmd.stream('echo a; echo b >&2; exit 3').pipe(toArray()));
    const last = events[events.length - 1];
    expect(last).toMatchObject({ stream: 'exit', exitCode: 3 });
    expect(events.filter((e) => e.stream === 'stdout').map((e) => ('line' in e ? e.line : ''))).toEqual(['a']);
    expect(events.filter((e) => e.stream === 'stderr').map((e) => ('line' in e ? e.line : ''))).toEqual(['b']);
  });

  it('cmd.stream unsubscribed early kills the command', async () => {
    const first = await firstValueFrom(devbox.cmd.stream('echo started; sleep 31'));
    expect(first).toMatchObject({ stream: 'stdout', line: 'started' });
    // The kill is sent on unsubscribe; the command must be gone within a few seconds.
    // (`[s]leep` keeps pgrep from matching the checking shell's own command line.)
    const check = await lastValueFrom(
      devbox.cmd.exec(
        'for i in $(seq 1 50); do pgrep -f "[s]leep 31" >/dev/null || { echo gone; exit 0; }; sleep 0.1; done; echo alive',
      ),
    );
    expect((await lastValueFrom(check.stdout())).trim()).toBe('gone');
  });

  it('execAsync: output$ is shared, outputFrom replays, result waits, kill stops', async () => {
    const execution = await lastValueFrom(devbox.cmd.execAsync('for i in $(seq 1 20); do echo n$i; done'));
    const [a, b] = await Promise.all([collect(execution.output$), collect(execution.output$)]);
    expect(a.map((l) => l.line)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i + 1}`));
    expect(b.length).toBeLessThanOrEqual(a.length);
    const tenth = a[9]!;
    const rest = await collect(execution.outputFrom({ stdout: tenth.offset }));
    expect(rest.map((l) => l.line)).toEqual(a.slice(10).map((l) => l.line));
    const result = await lastValueFrom(execution.result());
    expect(result.exitCode).toBe(0);
    const iterated: string[] = [];
    for await (const line of execution.lines()) iterated.push(line.line);
    expect(iterated).toHaveLength(20);

    const long = await lastValueFrom(devbox.cmd.execAsync('sleep 60'));
    expect((await lastValueFrom(long.getInfo())).status).not.toBe('completed');
    await lastValueFrom(long.kill());
    const killed = await lastValueFrom(long.result({ pollingConfig: { timeoutMs: 20_000 } }));
    expect(killed.exitCode).not.toBe(0);
  });

  it('files: write/read, upload/download (bytes, path, stream)', async () => {
    await lastValueFrom(devbox.file.write({ path: 'notes/hello.txt', contents: 'héllo' }));
    expect(await lastValueFrom(devbox.file.read({ path: 'notes/hello.txt' }))).toBe('héllo');
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    await lastValueFrom(devbox.file.upload({ path: 'bin/data.bin', file: bytes }));
    const back = await lastValueFrom(devbox.file.download({ path: 'bin/data.bin' }));
    expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).toBe(0);
    const { Readable } = await import('node:stream');
    await lastValueFrom(devbox.file.upload({ path: 'bin/stream.txt', file: Readable.from(['a', 'b', 'c']) }));
    expect(await lastValueFrom(devbox.file.read({ path: 'bin/stream.txt' }))).toBe('abc');
    const chunks = await collect(devbox.file.downloadStream({ path: 'bin/data.bin' }));
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(300_000);
  });

  it('keepAlive, logs and ssh key', async () => {
    await lastValueFrom(devbox.keepAlive());
    const logs = await lastValueFrom(devbox.logs());
    expect(Array.isArray(logs.logs)).toBe(true);
    const key = await lastValueFrom(devbox.net.createSshKey());
    expect(key.ssh_private_key).toContain('PRIVATE KEY');
  });

  it('tunnels: enable, the URL reaches a server in the devbox, remove', async () => {
    const tunnel = await lastValueFrom(devbox.net.enableTunnel({ authMode: 'open' }));
    expect(tunnel.tunnel_key).toMatch(/^[a-z0-9]{8,64}$/i);
    const url = await lastValueFrom(devbox.getTunnelUrl(8080));
    expect(url).toBe(`${h.server.url}/tunnel/${tunnel.tunnel_key}/8080/`);
    await lastValueFrom(devbox.file.write({ path: 'www/hello.txt', contents: 'through the tunnel' }));
    const server = await lastValueFrom(
      devbox.cmd.execAsync('cd www && exec python3 -m http.server 8080 --bind 127.0.0.1'),
    );
    try {
      await expect
        .poll(
          async () =>
            fetch(`${url}hello.txt`).then(
              (r) => (r.ok ? r.text() : `status ${r.status}`),
              (e: unknown) => String(e),
            ),
          {
            timeout: 15_000,
            interval: 200,
          },
        )
        .toBe('through the tunnel');
    } finally {
      await lastValueFrom(server.kill());
    }
    await lastValueFrom(devbox.net.removeTunnel());
    await expect(lastValueFrom(devbox.getTunnelUrl(8080))).rejects.toThrow(/no tunnel/);
  });

  it('awaitRunning with a deadline on a devbox that is not coming back fails with a typed error', async () => {
    const other = await lastValueFrom(h.sdk.devbox.create({ name: 'short-lived' }));
    await lastValueFrom(other.shutdown());
    await expect(lastValueFrom(other.awaitRunning({ pollingConfig: { timeoutMs: 5_000 } }))).rejects.toSatisfy(
      (e: unknown) => e instanceof DevboxStateError || e instanceof PollingTimeoutError,
    );
  });

  it('status$ follows a devbox to shutdown and completes', async () => {
    const other = await lastValueFrom(h.sdk.devbox.create({ name: 'watched' }));
    const statuses = lastValueFrom(other.status$.pipe(toArray()));
    await new Promise((r) => setTimeout(r, 200));
    await lastValueFrom(other.shutdown());
    const seen = await statuses;
    expect(seen[0]).toBe('running');
    expect(seen[seen.length - 1]).toBe('shutdown');
  });

  it('suspend and resume wait for their states', async () => {
    const other = await lastValueFrom(h.sdk.devbox.create({ name: 'sleepy' }));
    try {
      const suspended = await lastValueFrom(other.suspend({ pollingConfig: { timeoutMs: 30_000 } }));
      expect(suspended.status).toBe('suspended');
      const resumed = await lastValueFrom(other.resume({ pollingConfig: { timeoutMs: 30_000 } }));
      expect(resumed.status).toBe('running');
    } finally {
      await lastValueFrom(other.shutdown()).catch(() => undefined);
    }
  });
});
