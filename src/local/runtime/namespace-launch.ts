/**
 * Launches one namespace devbox: a host-side `sh` joins the devbox cgroups,
 * then `unshare` creates private mount/pid/uts/ipc(/net) namespaces, builds
 * the overlay root, pivots into it and execs tini as PID 1 (recipe and
 * measurements: shared/RUNTIME.md). Values travel in environment variables,
 * never spliced into the script, so no path or id can inject shell.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DevboxStartError } from './errors.js';

/** Host path of the static tini that becomes every devbox's PID 1. */
export const TINI_PATH = '/usr/bin/tini-static';

const OUTER = `set -eu
for f in $RL_CGROUP_PROCS; do echo $$ > "$f"; done
# PID 1 and its supervisor must never be the OOM killer's choice: the command that
# exceeded the limit should die, not the devbox. Best effort: some kernels refuse (EIO).
echo -1000 2>/dev/null > /proc/self/oom_score_adj || true
exec unshare --mount --propagation private --pid --fork --kill-child --uts --ipc $RL_NETFLAG -- /bin/sh -eu -c "$RL_INNER"
`;

const INNER = `# /proc is still the host's here, so this is the host pid of this shell (and of tini, which it execs).
read -r hostpid _ < /proc/self/stat
M=$RL_STATE/merged
mount -t overlay overlay -o "lowerdir=$RL_LOWER,upperdir=$RL_STATE/upper,workdir=$RL_STATE/work" "$M"
mount -t proc -o nosuid,nodev,noexec proc "$M/proc"
mount -t tmpfs -o mode=755,nosuid tmpfs "$M/dev"
for n in null zero full random urandom tty; do touch "$M/dev/$n"; mount --bind "/dev/$n" "$M/dev/$n"; done
mkdir -p "$M/dev/pts" "$M/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$M/dev/pts"
ln -s pts/ptmx "$M/dev/ptmx"; ln -s /proc/self/fd "$M/dev/fd"
ln -s /proc/self/fd/0 "$M/dev/stdin"; ln -s /proc/self/fd/1 "$M/dev/stdout"; ln -s /proc/self/fd/2 "$M/dev/stderr"
mount -t tmpfs -o nosuid,nodev tmpfs "$M/dev/shm"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$M/run"
mkdir -p "$M/run/devbox/oldroot" && touch "$M/run/devbox/tini" && mount --bind -o ro "$RL_TINI" "$M/run/devbox/tini"
mkdir -p "$M/tmp" && chmod 1777 "$M/tmp"
[ -f "$M/etc/hosts" ] && mount --bind "$RL_STATE/hosts" "$M/etc/hosts"
if [ "$RL_NET" = host ]; then
  [ -f "$M/etc/resolv.conf" ] && mount --bind -o ro /etc/resolv.conf "$M/etc/resolv.conf" 2>/dev/null || true
else
  ip link set lo up
fi
hostname "$RL_HOSTNAME"
cd "$M"; pivot_root . run/devbox/oldroot; umount -l /run/devbox/oldroot; rmdir /run/devbox/oldroot
shell=sh; [ -x /bin/bash ] && shell=bash
echo "READY $hostpid $shell"
exec /run/devbox/tini -s -- sleep infinity
`;

/** What the launcher needs. Directories must exist (upper/, work/, merged/, hosts). */
export interface LaunchOptions {
  readonly stateDir: string;
  /** overlayfs lowerdir, topmost first, `:`-joined. */
  readonly lowerdir: string;
  readonly hostname: string;
  readonly network: 'host' | 'isolated';
  readonly cgroupProcs: readonly string[];
}

/** A launched devbox: its supervisor (`unshare`), the host PID of tini, and its shell. */
export interface Launched {
  readonly supervisor: ChildProcessByStdio<null, Readable, Readable>;
  readonly initPid: number;
  readonly shell: '/bin/bash' | '/bin/sh';
}

/**
 * Starts the devbox and resolves once tini runs as its PID 1.
 *
 * @example
 * const { initPid } = await launchNamespaceDevbox({ stateDir, lowerdir: rootfs, hostname: 'dbx-1', network: 'isolated', cgroupProcs });
 */
export function launchNamespaceDevbox(options: LaunchOptions): Promise<Launched> {
  const supervisor = spawn('/bin/sh', ['-c', OUTER], {
    // Own process group: a terminal's Ctrl-C reaches the server, which stops devboxes in order.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      RL_CGROUP_PROCS: options.cgroupProcs.join(' '),
      RL_NETFLAG: options.network === 'isolated' ? '--net' : '',
      RL_NET: options.network,
      RL_INNER: INNER,
      RL_STATE: options.stateDir,
      RL_LOWER: options.lowerdir,
      RL_HOSTNAME: options.hostname,
      RL_TINI: TINI_PATH,
    },
  });
  return new Promise<Launched>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const onStdout = (chunk: string): void => {
      stdout += chunk;
      const match = /^READY (\d+) (bash|sh)$/m.exec(stdout);
      if (!match) return;
      cleanup();
      resolve({ supervisor, initPid: Number(match[1]), shell: match[2] === 'bash' ? '/bin/bash' : '/bin/sh' });
    };
    const onStderr = (chunk: string): void => {
      stderr = (stderr + chunk).slice(-4000);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new DevboxStartError(`devbox start failed (${signal ?? `exit ${code}`})`, stderr));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new DevboxStartError(`devbox start failed: ${error.message}`, stderr));
    };
    const cleanup = (): void => {
      supervisor.stdout.off('data', onStdout);
      supervisor.off('exit', onExit);
      supervisor.off('error', onError);
      // tini and the devbox write nothing here later; keep the pipes drained anyway.
      supervisor.stdout.resume();
    };
    supervisor.stdout.setEncoding('utf8').on('data', onStdout);
    supervisor.stderr.setEncoding('utf8').on('data', onStderr);
    supervisor.on('exit', onExit);
    supervisor.on('error', onError);
  });
}

/**
 * The argv that runs a command inside a running devbox: a host `sh` joins
 * the devbox cgroups (so freeze and limits cover the command), then execs
 * `nsenter` into every namespace and the pivoted root as `uid`/`gid`, with a
 * clean environment.
 *
 * @example
 * spawn(...nsenterArgv({ initPid, cgroupProcs, uid: 1000, gid: 1000, cwd: '/home/user', env, argv: ['/bin/bash', '-c', 'ls'] }));
 */
export function nsenterArgv(options: {
  readonly initPid: number;
  readonly cgroupProcs: readonly string[];
  readonly uid: number;
  readonly gid: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}): [string, string[]] {
  const nsenter = [
    '/usr/bin/nsenter', '-t', String(options.initPid), '-m', '-u', '-i', '-n', '-p', '-r',
    '-S', String(options.uid), '-G', String(options.gid), `--wdns=${options.cwd}`,
    '/usr/bin/env', '-i', ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`), ...options.argv,
  ];
  if (options.cgroupProcs.length === 0) return ['/usr/bin/nsenter', nsenter.slice(1)];
  const join = 'for f in $1; do echo $$ > "$f"; done; shift; exec "$@"';
  return ['/bin/sh', ['-c', join, 'sh', options.cgroupProcs.join(' '), ...nsenter]];
}
