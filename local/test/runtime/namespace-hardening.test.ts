import { mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime, DevboxStartError, RuntimeUnavailableError } from '../../src/runtime/index.js';
import { expectNoLeftovers, makeDataDir, removeDataDir, run, sharedRootfs, specFor, useRuntime } from './helpers.js';

describe('namespace runtime: devbox plumbing and hostile layers', () => {
  const fx = useRuntime('namespaces');
  const { start } = fx;

  it('gives a devbox working /dev nodes, ptys, /dev/shm, /etc/hosts and no host console', async () => {
    const devbox = await start();
    const result = await run(
      devbox,
      [
        'echo discard > /dev/null && head -c 4 /dev/zero | od -An -tu1 | tr -s " "',
        'head -c 16 /dev/urandom | wc -c',
        'python3 -c "import os, pty; m, s = pty.openpty(); print(os.ttyname(s))"',
        'echo shm > /dev/shm/x && cat /dev/shm/x',
        'getent hosts "$(hostname)" | cut -f1 -d" "',
        'ls /dev/console 2>&1 || true',
      ].join('; '),
    );
    expect(result.stdout.split('\n')).toEqual([
      ' 0 0 0 0',
      '16',
      '/dev/pts/0',
      'shm',
      '127.0.1.1',
      "ls: cannot access '/dev/console': No such file or directory",
      '',
    ]);
  });

  it('confines devbox root to a user namespace: file ownership works, host powers do not', async () => {
    expect(fx.runtime.info.detail).toMatch(/user namespace \(devbox root = host uid 100000\)/);
    const devbox = await start();
    expect((await run(devbox, 'readlink /proc/self/ns/user', { user: 'root' })).stdout).not.toBe(
      `${readlinkSync('/proc/self/ns/user')}\n`,
    );
    const allowed = await run(
      devbox,
      'mkdir -p /opt/app && chown user:user /opt/app && stat -c %U /opt/app && runuser -u user -- id -un',
      { user: 'root', cwd: '/' },
    );
    expect(allowed).toMatchObject({ code: 0, stdout: 'user\nuser\n' });
    const refused = await run(
      devbox,
      [
        'mknod /tmp/disk b 254 0 && echo MKNOD',
        'echo x > /proc/sys/kernel/domainname && echo SYSCTL',
        'mount -o remount,rw /proc/sys && echo REMOUNT',
        'umount -l /proc/sys && echo UMOUNT',
        'ip link set lo down && echo NETADMIN',
        'hostname other && echo HOSTNAME',
        'true',
      ].join('; '),
      { user: 'root', cwd: '/' },
    );
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/Operation not permitted/);
    // With no capability over the netns, low ports are opened to everyone instead.
    const bind = await run(
      devbox,
      "python3 -c \"import socket; s = socket.socket(); s.bind(('127.0.0.1', 80)); print('bound')\"",
    );
    expect(bind.stdout).toBe('bound\n');
  });

  it('does not let a layer with planted links write or mount onto the host', async () => {
    const layer = join(fx.dataDir, 'hostile-layer');
    const victim = join(fx.dataDir, 'victim.txt');
    writeFileSync(victim, 'untouched');
    mkdirSync(join(layer, 'etc'), { recursive: true });
    symlinkSync(victim, join(layer, 'etc', 'hosts'));
    symlinkSync(victim, join(layer, 'etc', 'resolv.conf'));
    const devbox = await start({ layers: [layer], network: 'host' });
    expect((await run(devbox, 'echo inside')).stdout).toBe('inside\n');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
  });

  it('fails to start with a typed error when a layer is missing, leaving nothing behind', async () => {
    const error = await fx.runtime
      .start(specFor(fx.dataDir, { layers: [join(fx.dataDir, 'no-such-layer')] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevboxStartError);
    expect((error as DevboxStartError).message).toMatch(/no-such-layer|No such file/);
  });

  it('fails fast under mode namespaces when isolation cannot be set up, and falls back loudly under auto', async () => {
    // An id range holding a host account (root, uid 0) would hand devboxes host-owned files: refused.
    const dir = makeDataDir();
    try {
      const refused = await createRuntime({
        mode: 'namespaces',
        dataDir: dir,
        ids: { hostStart: 0, size: 65_536 },
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RuntimeUnavailableError);
      expect((refused as Error).message).toMatch(/host account root .* uses id 0/);
      const lines: string[] = [];
      const fallback = await createRuntime({
        mode: 'auto',
        dataDir: dir,
        ids: { hostStart: 0, size: 65_536 },
        log: (line) => lines.push(line),
      });
      expect(fallback.info.mode).toBe('process');
      expect(lines.join('\n')).toMatch(/NOT A SANDBOX/);
      await fallback.close();
    } finally {
      removeDataDir(dir);
    }
  });

  it('refuses a data dir made for another id range or by an older runloop-local, in any mode', async () => {
    const dir = makeDataDir();
    try {
      mkdirSync(join(dir, 'devboxes', 'dbx_old', 'upper'), { recursive: true });
      for (const mode of ['namespaces', 'auto'] as const) {
        await expect(createRuntime({ mode, dataDir: dir })).rejects.toThrow(/made by an older runloop-local/);
      }
      const other = makeDataDir();
      try {
        await (await createRuntime({ mode: 'namespaces', dataDir: other, rootfsDir: await sharedRootfs() })).close();
        await expect(
          createRuntime({ mode: 'namespaces', dataDir: other, ids: { hostStart: 200_000, size: 65_536 } }),
        ).rejects.toThrow(/was made for runloop-local data dir 2: runc devboxes, ids 100000\+65536/);
      } finally {
        removeDataDir(other);
      }
    } finally {
      removeDataDir(dir);
    }
  });

  it('keeps the data dir 0700, whatever mode it had', async () => {
    const { mode } = statSync(fx.dataDir);
    expect(mode & 0o777).toBe(0o700);
  });
});
