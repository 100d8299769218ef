/**
 * Kernel quotas that are not per devbox: a devbox that uses up one must not
 * take it from the host or from another devbox.
 *
 * - inotify instances are counted per user namespace AND charged up the
 *   chain to the account that created the namespace (runc, as host root),
 *   against the host's fs.inotify.max_user_instances (often 128).
 * - kernel keys are counted per host uid; every devbox's root is the same
 *   host uid (100000).
 *
 * Each hog holds its quota only for the instant of the probes (it blocks on
 * its stdin and exits as soon as the test closes it), because on a broken
 * build the host itself is what runs short, and the machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { DevboxHandle, DevboxProcess } from '../../src/runtime/index.js';
import { eventually, run, useRuntime } from './helpers.js';

/** Creates inotify instances until refused (at most 4096), says how many, holds them until stdin closes. */
const INOTIFY_HOG = `
import ctypes, os, sys
l = ctypes.CDLL(None, use_errno=True)
fds = []
while len(fds) < 4096:
    fd = l.inotify_init1(0)
    if fd < 0:
        break
    fds.append(fd)
print("held", len(fds), flush=True)
sys.stdin.read()
`;
const INOTIFY_PROBE = `
import ctypes, os
l = ctypes.CDLL(None, use_errno=True)
fd = l.inotify_init1(0)
print("ok" if fd >= 0 else os.strerror(ctypes.get_errno()))
`;

/** Each of up to 240 children joins its own new session keyring (one key of its uid's quota) and holds it until stdin closes. */
const KEYRING_HOG = `
import ctypes, os, sys
l = ctypes.CDLL(None, use_errno=True)
made, children = 0, []
release_r, release_w = os.pipe()
for i in range(240):
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.close(release_w)
        k = l.syscall(250, 1, ("hog%d" % i).encode(), 0, 0, 0)
        os.write(w, b"1" if k >= 0 else b"0")
        os.read(release_r, 1)
        os._exit(0)
    children.append(pid)
    if os.read(r, 1) != b"1":
        break
    made += 1
print("held", made, flush=True)
sys.stdin.read()
os.close(release_w)
for pid in children:
    os.waitpid(pid, 0)
`;
const KEYRING_PROBE = `
import ctypes, os
l = ctypes.CDLL(None, use_errno=True)
k = l.syscall(250, 1, b"probe", 0, 0, 0)
print("ok" if k >= 0 else os.strerror(ctypes.get_errno()))
`;

/** Starts `script` in `devbox` and resolves once it printed its `held N` line. */
async function hold(
  devbox: DevboxHandle,
  script: string,
  user: 'user' | 'root',
): Promise<{ proc: DevboxProcess; held: number; release: () => Promise<void> }> {
  const proc = devbox.spawn({ command: `exec python3 -c '${script}'`, user });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr.resume();
  await eventually(() => /held \d+\n/.test(out), 30_000);
  const held = Number(/held (\d+)/.exec(out)![1]);
  return {
    proc,
    held,
    release: async () => {
      proc.stdin.end();
      await proc.closed;
    },
  };
}

function hostInotifyProbe(user?: string): string {
  const argv = user ? ['runuser', '-u', user, '--', 'python3', '-c', INOTIFY_PROBE] : ['python3', '-c', INOTIFY_PROBE];
  return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
}

describe('attack: kernel quotas shared beyond one devbox', () => {
  const fx = useRuntime('namespaces');
  const { start } = fx;

  it('a devbox that takes every inotify instance it can leaves the host (root) and other devboxes theirs', async () => {
    const hog = await start();
    const neighbour = await start();
    expect((await run(neighbour, `python3 -c '${INOTIFY_PROBE}'`)).stdout).toBe('ok\n');
    // Even the unprivileged devbox user is enough.
    const holder = await hold(hog, INOTIFY_HOG, 'user');
    let host: string;
    let neighbourProbe: string;
    try {
      host = hostInotifyProbe();
      neighbourProbe = (await run(neighbour, `python3 -c '${INOTIFY_PROBE}'`)).stdout.trim();
    } finally {
      await holder.release();
    }
    console.log(
      `inotify: the devbox user held ${holder.held} instances; then host root's inotify_init1: ${host}; another devbox's: ${neighbourProbe}`,
    );
    expect(host, 'host root could not create an inotify instance while a devbox held them').toBe('ok');
    expect(neighbourProbe, 'another devbox could not create an inotify instance').toBe('ok');
    expect(hostInotifyProbe()).toBe('ok');
  });

  it('a devbox cannot take kernel keys at all, so it cannot exhaust the quota every devbox root shares', async () => {
    // Key quotas are per host uid and every devbox root is host uid 100000: the keyring is refused (ENOSYS, as Docker does).
    const hog = await start();
    const neighbour = await start();
    const holder = await hold(hog, KEYRING_HOG, 'root');
    let neighbourProbe: string;
    try {
      neighbourProbe = (await run(neighbour, `python3 -c '${KEYRING_PROBE}'`, { user: 'root' })).stdout.trim();
    } finally {
      await holder.release();
    }
    console.log(
      `keys: devbox root got ${holder.held} session keyrings; another devbox's root joining one: ${neighbourProbe}`,
    );
    expect(holder.held).toBe(0);
    expect(neighbourProbe).toBe('Function not implemented');
    expect(neighbourProbe, "a devbox's root ran out of kernel keys").not.toMatch(/quota/i);
  });
});
