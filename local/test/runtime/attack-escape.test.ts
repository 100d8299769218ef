/**
 * Escape attempts, as devbox root would try them on real devboxes: setuid
 * files for host users, host binaries through /proc/<pid>/exe, the agent
 * (PID 1), /proc and mounts, user namespaces, other devboxes' processes,
 * and the data dir seen by another host user. Every test asserts what an
 * attacker would observe, so a regression in the sandbox fails it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, runtimeInstanceName, type DevboxHandle, type DevboxProcess } from '../../src/runtime/index.js';
import {
  HOST_ID_END,
  HOST_ID_START,
  buildEuidProgram,
  diskPaths,
  removeEuidProgram,
  runAsNobody,
} from './attack-helpers.js';
import {
  collect,
  eventually,
  expectNoLeftovers,
  processesOfInstance,
  removeDataDir,
  run,
  sharedRootfs,
  useRuntime,
} from './helpers.js';

const asRoot = { user: 'root', cwd: '/' } as const;

/** dev:ino of a host file, as `os.stat` inside a devbox would report the same inode through /proc/<pid>/exe. */
function devIno(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

/** Every entry under `dir` (lstat, no symlinks followed). */
function walk(dir: string): { path: string; uid: number; gid: number; mode: number; rdev: number }[] {
  const out: { path: string; uid: number; gid: number; mode: number; rdev: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stats = lstatSync(path);
    out.push({ path, uid: stats.uid, gid: stats.gid, mode: stats.mode, rdev: stats.rdev });
    if (stats.isDirectory()) out.push(...walk(path));
  }
  return out;
}

/** The mountinfo line of a host mount point. */
function mountOptionsOf(point: string): string {
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === point);
  return line?.split(' ')[5] ?? '';
}

/** Scans every /proc/<pid>/exe it can see until the deadline, trying to open each for writing; says `scanning` when it starts. */
const EXE_SCANNER = `
import json, os, sys, time
deadline = time.time() + float(sys.argv[1])
me = os.getpid()
seen, writable, refusals = {}, [], {}
print("scanning", flush=True)
while time.time() < deadline:
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        path = "/proc/%s/exe" % name
        try:
            st = os.stat(path)
            key = "%d:%d" % (st.st_dev, st.st_ino)
        except OSError as e:
            key = None
        try:
            target = os.readlink(path)
        except OSError as e:
            target = "?" + e.strerror
        # Every distinct look at a pid: it may be a fork of the agent (unreadable), then a shell, then
        # the command it execs; keeping only the first would miss the later ones.
        looks = seen.setdefault(name, [])
        if [target, key] not in looks:
            looks.append([target, key])
        try:
            fd = os.open(path, os.O_WRONLY)
            os.close(fd)
            writable.append([name, target, key])
        except OSError as e:
            refusals[e.strerror] = refusals.get(e.strerror, 0) + 1
    time.sleep(0.001)
print(json.dumps({"seen": seen, "writable": writable, "refusals": refusals}))
`;

describe('attack: escaping a devbox as devbox root', () => {
  const fx = useRuntime('namespaces');
  const { start } = fx;
  let euid: { readonly dir: string; readonly path: string };
  beforeAll(() => {
    euid = buildEuidProgram();
  });
  afterAll(() => {
    if (euid) removeEuidProgram(euid.dir);
  });

  /** Copies the euid printer into the devbox and makes it setuid devbox root at `target`. */
  async function plantSetuid(devbox: DevboxHandle, target: string): Promise<void> {
    await devbox.writeFile('/tmp/euid-upload', readFileSync(euid.path));
    const made = await run(
      devbox,
      `install -o root -g root -m 4755 /tmp/euid-upload ${target} && rm /tmp/euid-upload && runuser -u user -- ${target}`,
      asRoot,
    );
    // Inside, setuid works (sudo must) and only ever reaches devbox root.
    expect(made, made.stderr).toMatchObject({ code: 0, stdout: 'uid=1000 euid=0\n' });
  }

  /** What a host user gets from a devbox's setuid file at `hostPath`, and from a copy of it outside the data dir. */
  function expectNoHostRoot(hostPath: string): void {
    const stats = statSync(hostPath);
    expect(stats.mode & 0o4000, 'the setuid bit is really there: the threat is real').toBe(0o4000);
    expect(stats.uid).toBeGreaterThanOrEqual(HOST_ID_START);
    expect(stats.uid).toBeLessThanOrEqual(HOST_ID_END);
    expect(stats.uid).toBe(HOST_ID_START);
    const direct = runAsNobody(hostPath);
    console.log(
      `setuid file ${hostPath} run by host nobody: status ${direct.status}, ${direct.stdout.trim() || direct.stderr.trim()}`,
    );
    expect(direct.euid, 'host nobody got euid 0 from a devbox file').not.toBe(0);
    // The 0700 data dir keeps other host users from reaching it at all.
    expect(direct.status).not.toBe(0);
    expect(direct.stderr).toMatch(/Permission denied/);
    // Defence in depth: a copy that left the data dir (owner and mode kept) runs as the
    // devbox range's uid at most, never host root.
    const leaked = join(euid.dir, `leaked-${Date.now()}`);
    copyFileSync(hostPath, leaked);
    chownSync(leaked, stats.uid, stats.gid);
    chmodSync(leaked, stats.mode & 0o7777);
    const copy = runAsNobody(leaked);
    console.log(`a setuid copy outside the data dir run by host nobody: ${copy.stdout.trim() || copy.stderr.trim()}`);
    expect(copy.status).toBe(0);
    expect(copy.euid).not.toBe(0);
    expect([HOST_ID_START, 65534]).toContain(copy.euid);
  }

  it('a setuid file made by devbox root gives a host user no euid 0 (data dir 0700, disk nosuid,noexec, owner shifted)', async () => {
    const devbox = await start();
    await plantSetuid(devbox, '/usr/local/bin/rootid');
    const { mount, upper } = diskPaths(fx.dataDir, devbox.id);
    const hostPath = join(upper, 'usr', 'local', 'bin', 'rootid');
    expectNoHostRoot(hostPath);
    // Even host root cannot execute it where it lies: the disk is mounted nosuid,nodev,noexec.
    expect(mountOptionsOf(mount).split(',')).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec']));
    const hostRoot = spawnSync(hostPath, { encoding: 'utf8', timeout: 10_000 });
    expect((hostRoot.error as NodeJS.ErrnoException | undefined)?.code).toBe('EACCES');
  });

  it('a setuid file in a captured layer (a blueprint/snapshot) gives a host user no euid 0', async () => {
    const devbox = await start();
    await plantSetuid(devbox, '/usr/local/bin/layerid');
    const layer = join(fx.dataDir, 'layers', `captured-${devbox.id}`);
    await devbox.captureLayer(layer);
    expectNoHostRoot(join(layer, 'usr', 'local', 'bin', 'layerid'));
    // A devbox built on that layer: the file still only reaches devbox root.
    const child = await start({ layers: [layer] });
    expect((await run(child, '/usr/local/bin/layerid')).stdout).toBe('uid=1000 euid=0\n');
  });

  it('files written inside are owned on the host by the shifted ids: devbox root = 100000, the user = 101000', async () => {
    const devbox = await start();
    const made = await run(
      devbox,
      [
        'echo secret > /root/by-root',
        'mkdir -p /opt/tool && touch /opt/tool/bin',
        'runuser -u user -- touch /home/user/by-user',
        'chown 4242:4343 /opt/tool/bin',
        'rm -f /etc/issue', // a whiteout too
      ].join(' && '),
      asRoot,
    );
    expect(made.code, made.stderr).toBe(0);
    await devbox.writeFile('by-api.txt', 'x');
    const { upper } = diskPaths(fx.dataDir, devbox.id);
    const owner = (path: string): string => {
      const stats = statSync(join(upper, path));
      return `${stats.uid}:${stats.gid}`;
    };
    expect(owner('root/by-root')).toBe('100000:100000');
    expect(owner('opt/tool')).toBe('100000:100000');
    expect(owner('home/user/by-user')).toBe('101000:101000');
    expect(owner('home/user/by-api.txt')).toBe('101000:101000');
    expect(owner('opt/tool/bin')).toBe('104242:104343');
    // Nothing in the writable layer belongs to a host account, except overlayfs whiteouts (0:0 char devices).
    const outside = walk(upper).filter(
      (entry) =>
        (entry.uid < HOST_ID_START ||
          entry.uid > HOST_ID_END ||
          entry.gid < HOST_ID_START ||
          entry.gid > HOST_ID_END) &&
        !((entry.mode & 0o170000) === 0o020000 && entry.rdev === 0),
    );
    expect(outside.map((entry) => `${entry.path} ${entry.uid}:${entry.gid}`)).toEqual([]);
  });

  it('no host binary is ever reachable for writing through /proc/<pid>/exe while commands stream in', async () => {
    const devbox = await start();
    const scanner = devbox.spawn({ command: `python3 -c '${EXE_SCANNER}' 6`, user: 'root', cwd: '/' });
    const scan = collect(scanner);
    let scanned = '';
    scanner.stdout.on('data', (chunk: string) => (scanned += chunk));
    // The stream starts once the scan runs: on a loaded machine python may take a while to come up,
    // and commands that ended before it looked would prove nothing.
    await eventually(() => scanned.includes('scanning\n'), 30_000);
    // A stream of execs from the server side while the scanner runs.
    let execs = 0;
    const stream = (async () => {
      for (let i = 0; i < 50; i += 1) {
        // As devbox root (builds and setup run so): the scanner, root too, may look at those.
        const result = await run(devbox, 'sleep 0.02; true', i % 5 === 0 ? {} : asRoot);
        if (result.code === 0) execs += 1;
      }
    })();
    await stream;
    const result = await scan;
    expect(result.code, result.stderr).toBe(0);
    expect(execs).toBe(50);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
      seen: Record<string, [string, string | null][]>;
      writable: [string, string, string | null][];
      refusals: Record<string, number>;
    };
    const hostBinaries = new Map<string, string>();
    const agentCache = join(homedir(), '.cache', 'runloop-local', 'agent');
    const agents = existsSync(agentCache)
      ? readdirSync(agentCache).map((dir) => join(agentCache, dir, 'runloop-agent'))
      : [];
    const initLayers = readdirSync(join(fx.dataDir, '.runtime'))
      .filter((name) => name.startsWith('init-'))
      .map((name) => join(fx.dataDir, '.runtime', name, '.runloop', 'agent'));
    for (const path of [
      '/usr/sbin/runc',
      '/usr/bin/runc',
      '/usr/bin/nsenter',
      '/usr/bin/unshare',
      '/bin/sh',
      '/usr/bin/dash',
      '/usr/bin/bash',
      '/usr/bin/socat',
      process.execPath,
      ...agents,
      ...initLayers,
    ]) {
      if (!existsSync(path)) continue;
      const key = devIno(realpathSync(path));
      if (key) hostBinaries.set(key, path);
    }
    const pids = Object.entries(report.seen);
    const seen = pids.flatMap(([pid, looks]) => looks.map(([target, key]) => ({ pid, target, key })));
    console.log(
      `exe scanner: ${pids.length} pids seen, writable opens: ${JSON.stringify(report.writable)}, refusals: ${JSON.stringify(report.refusals)}`,
    );
    console.log(`exe targets seen: ${JSON.stringify([...new Set(seen.map(({ target }) => target))])}`);
    // The scan really saw the stream's commands.
    expect(
      new Set(seen.filter(({ target }) => target === '/usr/bin/sleep').map(({ pid }) => pid)).size,
    ).toBeGreaterThan(5);
    const hostSeen = seen
      .filter(({ key }) => key !== null && hostBinaries.has(key))
      .map(({ pid, target, key }) => `${pid} ${target} = host ${hostBinaries.get(key!)}`);
    expect(hostSeen, 'a host binary was visible through /proc/<pid>/exe').toEqual([]);
    const hostWritable = report.writable.filter(([, , key]) => key !== null && hostBinaries.has(key));
    expect(hostWritable).toEqual([]);
    // Running executables are never open for writing (ETXTBSY), host or not.
    expect(report.writable).toEqual([]);
  });

  it('PID 1 (the agent) is out of reach: no exe, mem, fd, environ, ptrace; /.runloop/agent cannot be written or replaced', async () => {
    const devbox = await start();
    const agentLayer = readdirSync(join(fx.dataDir, '.runtime'))
      .filter((name) => name.startsWith('init-'))
      .map((name) => join(fx.dataDir, '.runtime', name, '.runloop', 'agent'));
    expect(agentLayer.length).toBeGreaterThan(0);
    const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
    const before = agentLayer.map(digest);
    const probe = await run(
      devbox,
      [
        'readlink /proc/1/exe && echo EXE',
        'head -c 1 /proc/1/mem >/dev/null && echo MEM',
        'ls -l /proc/1/fd/ | grep -- "->" && echo FD',
        'readlink /proc/1/fd/0 && echo FD0',
        'head -c 1 /proc/1/environ >/dev/null && echo ENVIRON',
        'head -c 1 /proc/1/exe >/dev/null && echo EXEREAD',
        'cat /proc/1/maps | head -1 | grep . && echo MAPS',
        `python3 -c 'import ctypes, os, sys; l = ctypes.CDLL(None, use_errno=True); sys.exit(0 if l.ptrace(16, 1, 0, 0) == 0 else 1)' && echo PTRACE`,
        `python3 -c 'import ctypes, os, sys; l = ctypes.CDLL(None, use_errno=True); sys.exit(0 if l.ptrace(0x4206, 1, 0, 0) == 0 else 1)' && echo SEIZE`,
        'echo evil > /.runloop/agent && echo WROTE',
        'cp /bin/true /.runloop/agent && echo COPIED',
        'mv /.runloop/agent /tmp/agent && echo MOVED',
        'rm -f /.runloop/agent && echo REMOVED',
        'chmod 777 /.runloop/agent && echo CHMOD',
        'chown root /.runloop/agent && echo CHOWN',
        'touch /.runloop/new && echo CREATED',
        'mount --bind /bin/true /.runloop/agent && echo BOUND',
        `python3 -c 'import os; os.open("/proc/1/exe", os.O_WRONLY)' && echo OPENEXE`,
        'true',
      ].join('; '),
      asRoot,
    );
    console.log(`PID 1 probe stderr: ${probe.stderr.trim().split('\n').join(' | ')}`);
    expect(probe.stdout).toBe('');
    expect((await run(devbox, 'sha256sum /.runloop/agent | cut -c1-64', asRoot)).stdout).toContain(before[0]!);
    expect(agentLayer.map(digest)).toEqual(before);
    // The devbox still works: PID 1 is untouched.
    expect((await run(devbox, 'echo alive')).stdout).toBe('alive\n');
  });

  it('PID 1 survives every signal devbox root sends, lends no fds (pidfd_getfd), no memory (process_vm_readv), and leaks none to commands', async () => {
    const devbox = await start();
    const fds = await run(devbox, 'ls /proc/self/fd | sort -n | tr "\\n" " "', asRoot);
    // 0-2 and the directory ls reads: nothing of the agent's (its request/event pipes) is inherited.
    expect(fds.stdout).toBe('0 1 2 3 ');
    const signals = await run(
      devbox,
      'for s in TERM INT HUP QUIT USR1 USR2 SEGV ABRT BUS PIPE ALRM STOP CONT CHLD KILL; do kill -$s 1; done; sleep 0.3; echo still',
      asRoot,
    );
    expect(signals.stdout).toBe('still\n');
    const steal = await run(
      devbox,
      `python3 -c '
import ctypes, os
l = ctypes.CDLL(None, use_errno=True)
pidfd = l.syscall(434, 1, 0)
assert pidfd >= 0, "pidfd_open"
stolen = [fd for fd in range(0, 16) if l.syscall(438, pidfd, fd, 0) >= 0]
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buf = ctypes.create_string_buffer(16)
local, remote = iovec(ctypes.cast(buf, ctypes.c_void_p), 16), iovec(0x400000, 16)
read = l.process_vm_readv(1, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
l.syscall(424, pidfd, 9, 0, 0)
print("stolen", stolen, "vm_read", read)
'`,
      asRoot,
    );
    expect(steal).toMatchObject({ code: 0, stdout: 'stolen [] vm_read -1\n' });
    expect((await run(devbox, 'echo alive')).stdout).toBe('alive\n');
    const exited = await Promise.race([
      devbox.exited,
      new Promise((resolve) => setTimeout(() => resolve('running'), 100)),
    ]);
    expect(exited).toBe('running');
  });

  it('devbox root cannot write /proc/sys, mount proc/sysfs/tmpfs, or create a user namespace', async () => {
    const devbox = await start();
    const result = await run(
      devbox,
      [
        'echo x > /proc/sys/kernel/hostname && echo SYSCTL',
        'echo 3 > /proc/sys/vm/drop_caches && echo DROPCACHES',
        'echo c > /proc/sysrq-trigger && echo SYSRQ',
        'mkdir -p /mnt/p /mnt/s /mnt/t',
        'mount -t proc proc /mnt/p && echo PROC',
        'mount -t sysfs sysfs /mnt/s && echo SYSFS',
        'mount -t tmpfs tmpfs /mnt/t && echo TMPFS',
        'mount -o remount,rw /proc/sys && echo REMOUNT',
        'umount /proc/keys && echo UNMASK',
        'unshare -U true && echo USERNS',
        'unshare -Ur true && echo USERNS_ROOT',
        'unshare -m true && echo MOUNTNS',
        `python3 -c 'import ctypes, sys; l = ctypes.CDLL(None); sys.exit(0 if l.unshare(0x10000000) == 0 else 1)' && echo PYUSERNS`,
        `python3 -c 'import ctypes, sys; l = ctypes.CDLL(None); sys.exit(0 if l.syscall(56, 0x10000000 | 17, 0, 0, 0, 0) >= 0 else 1)' && echo CLONE_NEWUSER`,
        'true',
      ].join('; '),
      asRoot,
    );
    console.log(
      `/proc, mount and unshare refusals: ${result.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.includes('dmesg'))
        .join(' | ')}`,
    );
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(result.stderr).toMatch(/unshare failed: Operation not permitted/);
    // Nothing got mounted.
    const mounts = await run(devbox, 'cat /proc/self/mountinfo', asRoot);
    expect(mounts.stdout).not.toMatch(/ \/mnt\//);
  });

  it('/proc/self/mountinfo inside shows no host path', async () => {
    const devbox = await start();
    const mountinfo = (
      await run(devbox, 'cat /proc/self/mountinfo /proc/1/mountinfo 2>/dev/null; cat /proc/mounts', asRoot)
    ).stdout;
    expect(mountinfo).toContain(' / / ');
    for (const hostPath of [
      fx.dataDir,
      '/tmp/runloop-runtime-test-',
      '/root/',
      '/run/runloop-local',
      '.runtime',
      homedir(),
      '/var/lib/',
      '/home/',
    ]) {
      expect(mountinfo, `mountinfo shows ${hostPath}`).not.toContain(hostPath);
    }
  });

  it('cannot see or signal another devbox’s processes, even with kill -9 -1', async () => {
    const a = await start();
    const b = await start();
    const sleeper: DevboxProcess = a.spawn({ command: 'exec sleep 300', user: 'root' });
    sleeper.stdin.end();
    const instance = runtimeInstanceName(fx.dataDir);
    let hostPid = 0;
    await eventually(() => {
      hostPid =
        processesOfInstance(instance).find((pid) => {
          try {
            return (
              readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u0000300\u0000' &&
              readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(a.id)
            );
          } catch {
            return false;
          }
        }) ?? 0;
      return hostPid !== 0;
    });
    const inA = (await run(a, 'pgrep -x sleep', asRoot)).stdout.trim();
    expect(inA).toMatch(/^\d+$/);
    const seenFromB = await run(b, 'ps -eo pid=,args=', asRoot);
    expect(seenFromB.stdout).not.toContain('sleep 300');
    expect(seenFromB.stdout).not.toContain('agent shim');
    const killed = await run(
      b,
      `kill -9 ${hostPid} ${a.pid} && echo KILLED_HOST_PID; ls /proc/${hostPid} >/dev/null 2>&1 && echo SEES_HOST_PID; kill -9 -1; echo done`,
      asRoot,
    );
    expect(killed.stdout).not.toMatch(/KILLED_HOST_PID|SEES_HOST_PID/);
    expect(killed.stderr).toMatch(/No such process/);
    // A's process survived all of it; so did A's agent.
    expect(sleeper.groupAlive()).toBe(true);
    expect(existsSync(`/proc/${hostPid}`)).toBe(true);
    expect((await run(a, 'pgrep -x sleep', asRoot)).stdout.trim()).toBe(inA);
    await sleeper.kill();
    expect((await run(b, 'echo b-alive')).stdout).toBe('b-alive\n');
  });

  it('another host user cannot list or read anything in the data dir, which createRuntime makes 0700', async () => {
    // A data dir that starts out world-readable is closed by createRuntime.
    const open = mkdtempSync('/tmp/runloop-runtime-test-');
    try {
      chmodSync(open, 0o755);
      const runtime = await createRuntime({ mode: 'namespaces', dataDir: open, rootfsDir: await sharedRootfs() });
      expect(statSync(open).mode & 0o777).toBe(0o700);
      await runtime.close();
      await expectNoLeftovers(open);
    } finally {
      removeDataDir(open);
    }
    expect(statSync(fx.dataDir).mode & 0o777).toBe(0o700);
    const devbox = await start();
    await devbox.writeFile('secret.txt', 'top secret');
    const { upper, image, mount } = diskPaths(fx.dataDir, devbox.id);
    const attempts: [string, string[]][] = [
      ['ls', [fx.dataDir]],
      ['ls', [join(fx.dataDir, 'devboxes')]],
      ['ls', [join(fx.dataDir, '.runtime')]],
      ['ls', [mount]],
      ['cat', [join(upper, 'home', 'user', 'secret.txt')]],
      ['head', ['-c', '1', image]],
      ['stat', [upper]],
      ['find', [fx.dataDir]],
      ['ls', [join('/run/runloop-local', runtimeInstanceName(fx.dataDir))]],
    ];
    for (const [command, args] of attempts) {
      const result = spawnSync('runuser', ['-u', 'nobody', '--', command, ...args], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(result.stdout, `nobody: ${command} ${args.join(' ')}`).not.toContain('top secret');
      expect(result.status, `nobody: ${command} ${args.join(' ')} ⇒ ${result.stdout}`).not.toBe(0);
      expect(result.stderr).toMatch(/Permission denied/);
    }
  });
});
