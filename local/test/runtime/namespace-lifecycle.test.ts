import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, runtimeInstanceName } from '../../src/runtime/index.js';
import {
  collect,
  eventually,
  expectNoLeftovers,
  makeDataDir,
  readAll,
  removeDataDir,
  run,
  specFor,
  useRuntime,
} from './helpers.js';

describe('namespace runtime: freeze, kill, layers, ports', () => {
  const fx = useRuntime('namespaces');
  const { start, started } = fx;

  it('freeze stops a running counter and thaw resumes it', async () => {
    const devbox = await start();
    // Written aside and renamed, so a read (or a freeze) never sees a half-written number.
    const counter = devbox.spawn({
      command: 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count.new; mv /tmp/count.new /tmp/count; sleep 0.01; done',
    });
    // Read from the host side of its disk: the devbox's own file access is frozen with it.
    const file = join(fx.dataDir, '.runtime', 'mnt', devbox.id, 'upper', 'tmp', 'count');
    const count = async (): Promise<number> => Number(readFileSync(file, 'utf8'));
    await eventually(async () => existsSync(file) && (await count()) > 3);
    await devbox.freeze();
    const frozenAt = await count();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await count()).toBe(frozenAt);
    await devbox.thaw();
    await eventually(async () => (await count()) > frozenAt);
    devbox.killGroup(counter);
    await collect(counter);
  });

  it('killGroup ends the command and its background children', async () => {
    const devbox = await start();
    const child = devbox.spawn({ command: 'sleep 1000 & echo $!; sleep 1001 & wait' });
    let firstLine = '';
    await new Promise<void>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => ((firstLine = chunk.toString()), resolve())),
    );
    const innerPid = firstLine.trim();
    expect((await run(devbox, `kill -0 ${innerPid} && echo alive`)).stdout).toBe('alive\n');
    devbox.killGroup(child, 'SIGTERM');
    const result = await collect(child);
    expect(result.code).toBe(128 + 15);
    await eventually(async () => (await run(devbox, 'ps -eo comm= | grep -c "^sleep$"; true')).stdout.trim() === '0');
  });

  it('answers a SIGKILL of a group only once every member, background children included, is gone', async () => {
    const devbox = await start();
    // Each run is a race between the answer and the kernel: repeat it to make a regression show.
    for (let round = 0; round < 5; round++) {
      const child = devbox.spawn({ command: 'sleep 1000 & echo $!; sleep 1001 & sleep 1002 & wait' });
      const firstLine = await new Promise<string>((resolve) =>
        child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
      );
      const finished = collect(child);
      await devbox.killGroup(child);
      const check = await run(devbox, `kill -0 ${firstLine.trim()} 2>/dev/null && echo alive || echo gone`);
      expect(check.stdout).toBe('gone\n');
      await finished;
    }
  });

  it('captures a layer (new files and deletions) that later devboxes stack on', async () => {
    const a = await start();
    expect(
      (
        await run(
          a,
          'rm /etc/debian_version && mkdir -p /opt/app && echo one > /opt/app/one && echo hi > /home/user/hello',
          { user: 'root' },
        )
      ).code,
    ).toBe(0);
    const layer1 = join(fx.dataDir, 'layers', 'one');
    const { sizeBytes } = await a.captureLayer(layer1);
    expect(sizeBytes).toBeGreaterThan(0);
    // The devbox is thawed afterwards.
    expect((await run(a, 'echo still running')).stdout).toBe('still running\n');

    const b = await start({ layers: [layer1] });
    const seen = await run(b, 'cat /opt/app/one ~/hello; ls /etc/debian_version');
    expect(seen.stdout).toBe('one\nhi\n');
    expect(seen.stderr).toMatch(/No such file/);
    expect(existsSync(join(fx.rootfs, 'etc', 'debian_version'))).toBe(true);

    // A second layer on top: an opaque directory replaces /opt/app, and a file of layer one is deleted.
    expect(
      (
        await run(b, 'rm -rf /opt/app && mkdir /opt/app && echo two > /opt/app/two && rm /home/user/hello', {
          user: 'root',
        })
      ).code,
    ).toBe(0);
    const layer2 = join(fx.dataDir, 'layers', 'two');
    await b.captureLayer(layer2);
    const c = await start({ layers: [layer2, layer1] });
    const stacked = await run(c, 'ls /opt/app; ls ~/hello; ls /etc/debian_version');
    expect(stacked.stdout).toBe('two\n');
    expect(stacked.stderr.match(/No such file/g)).toHaveLength(2);
  });

  it('connects to a TCP port inside an isolated devbox', async () => {
    const devbox = await start();
    const server = devbox.spawn({ command: 'exec python3 -m http.server 8123 --bind 127.0.0.1' });
    await eventually(async () => (await run(devbox, 'ss -ltn | grep -c 127.0.0.1:8123; true')).stdout.trim() === '1');
    await devbox.writeFile('index.html', 'served from the devbox');
    const socket = await devbox.connect(8123);
    socket.end('GET /index.html HTTP/1.0\r\n\r\n');
    const response = await readAll(socket);
    expect(response).toMatch(/^HTTP\/1\.0 200/);
    expect(response).toContain('served from the devbox');
    devbox.killGroup(server);
    await collect(server);
  });

  it('connects to a port of a host-network devbox', async () => {
    const devbox = await start({ network: 'host' });
    const host = createServer((socket) => socket.end('from host loopback'));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    try {
      const socket = await devbox.connect((host.address() as { port: number }).port);
      expect(await readAll(socket)).toBe('from host loopback');
    } finally {
      host.close();
    }
  });

  it('does not reach a host port from an isolated devbox', async () => {
    const host = createServer((socket) => socket.end('host'));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const port = (host.address() as { port: number }).port;
    try {
      const devbox = await start();
      const attempt = await run(
        devbox,
        `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 2)"`,
      );
      expect(attempt.code).not.toBe(0);
      expect(attempt.stderr).toMatch(/ConnectionRefused/);
    } finally {
      host.close();
    }
  });

  it('reaps the devboxes of a crashed runtime that used the same data dir', async () => {
    const crashedDir = makeDataDir();
    const crashed = await createRuntime({ mode: 'namespaces', dataDir: crashedDir, rootfsDir: fx.rootfs });
    const orphan = await crashed.start(specFor(crashedDir));
    // Another server (other data dir) must survive the reaping.
    const bystander = await start();
    const orphanPid = orphan.pid;
    // "Crash": forget the handle and the runtime; a new runtime on the same data dir reaps.
    const successor = await createRuntime({ mode: 'namespaces', dataDir: crashedDir, rootfsDir: fx.rootfs });
    await successor.reapOrphans();
    await expect(orphan.exited).resolves.toEqual({ reason: 'died' });
    // cgroup.kill reports the group empty once its tasks left it, a moment before they are zombies.
    const orphanLives = (): boolean => {
      try {
        return !readFileSync(`/proc/${orphanPid}/stat`, 'utf8').includes(') Z');
      } catch {
        return false;
      }
    };
    await eventually(() => !orphanLives(), 2_000);
    expect((await run(bystander, 'echo alive')).stdout).toBe('alive\n');
    await successor.close();
    await crashed.close();
    await expectNoLeftovers(crashedDir);
    removeDataDir(crashedDir);
  });

  it('keeps a frozen devbox frozen across a capture', async () => {
    const devbox = await start();
    await devbox.writeFile('a.txt', 'a');
    await devbox.freeze();
    await devbox.captureLayer(join(fx.dataDir, 'layers', 'frozen'));
    const events = readFileSync(
      join('/sys/fs/cgroup/unified', runtimeInstanceName(fx.dataDir), devbox.id, 'cgroup.events'),
      'utf8',
    );
    expect(events).toMatch(/^frozen 1$/m);
    await devbox.thaw();
    expect((await run(devbox, 'cat a.txt')).stdout).toBe('a');
  });

  it('stops a frozen devbox', async () => {
    const devbox = await fx.runtime.start(specFor(fx.dataDir));
    await devbox.freeze();
    await devbox.stop({ discard: true });
    await expect(devbox.exited).resolves.toEqual({ reason: 'stopped' });
    expect(existsSync(join(fx.dataDir, 'devboxes', devbox.id))).toBe(false);
  });

  it('keeps the filesystem across stop and start of the same state dir', async () => {
    const spec = specFor(fx.dataDir);
    const first = await fx.runtime.start(spec);
    await first.writeFile('kept.txt', 'survives');
    await first.stop();
    const second = await fx.runtime.start(spec);
    started.push(second);
    expect(await readAll(await second.readFile('kept.txt'))).toBe('survives');
  });
});
