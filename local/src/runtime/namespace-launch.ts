/**
 * Launches one namespace devbox: a host-side `sh` joins the devbox cgroups,
 * then `unshare` creates private mount/pid/uts/ipc(/net) namespaces, mounts
 * the overlay root, enters an identity-mapped user namespace (where the
 * server writes the uid/gid maps), pivots into the root and execs tini as
 * PID 1 (recipe and measurements: shared/RUNTIME.md). Values travel in
 * environment variables, never spliced into the script, so no path or id can
 * inject shell.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { DevboxStartError } from './errors.js';

/**
 * Host path of the static tini that becomes every devbox's PID 1.
 *
 * @example
 * if (!existsSync(TINI_PATH)) throw new RuntimeUnavailableError('install tini (tini-static)');
 */
export const TINI_PATH = '/usr/bin/tini-static';

const OUTER = `set -eu
for f in $RL_CGROUP_PROCS; do echo $$ > "$f"; done
# PID 1 and its supervisor must never be the OOM killer's choice: the command that
# exceeded the limit should die, not the devbox. Best effort: some kernels refuse (EIO).
echo -1000 2>/dev/null > /proc/self/oom_score_adj || true
exec unshare --mount --propagation private --pid --fork --kill-child --uts --ipc $RL_NETFLAG -- /bin/sh -eu -c "$RL_INNER"
`;

// Every exec costs ~3-5 ms here, so the inner script runs only a handful: one
// `mount -a` over a generated fstab, ip, unshare, pivot_root, umount and
// tini. Mount targets that a layer controls are never created (no
// X-mount.mkdir there), and files are written only after pivot_root, where
// absolute symlinks of a malicious layer resolve inside the devbox.
const INNER = `mount --fstab "$RL_STATE/fstab" -a
echo "$RL_HOSTNAME" > /proc/sys/kernel/hostname
if [ "$RL_NET" != host ]; then
  ip link set lo up
  # Root in the devbox has no CAP_NET_BIND_SERVICE over this netns: let anyone bind low ports here.
  echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || true
fi
if [ "$RL_USERNS" = 1 ]; then
  exec unshare --user --mount -- /bin/sh -eu -c "$RL_PIVOT"
fi
exec /bin/sh -eu -c "$RL_PIVOT"
`;

// In a user namespace (identity-mapped by the server once it sees MAPS), the
// devbox's root keeps file ownership semantics but holds capabilities only
// there: no mknod, no mounting host devices, no sysctls (/proc/sys is a
// read-only bind that this namespace cannot remount), no host network changes.
// pivot_root needs a mount owned by this namespace, hence the rbind.
const PIVOT = `# /proc is still the host's here, so this is the host pid of this shell (and of tini, which it execs).
read -r hostpid _ < /proc/self/stat
if [ "$RL_USERNS" = 1 ]; then
  echo "MAPS $hostpid"
  read -r go
  mount --rbind "$RL_STATE/merged" "$RL_STATE/merged"
fi
cd "$RL_STATE/merged"; pivot_root . .; umount -l .; cd /
printf '%s' "$RL_HOSTS" > /etc/hosts 2>/dev/null || true
[ -z "$RL_RESOLV" ] || printf '%s' "$RL_RESOLV" > /etc/resolv.conf 2>/dev/null || true
shell=sh; [ -x /bin/bash ] && shell=bash
echo "READY $hostpid $shell"
exec /run/devbox/tini -s -- sleep infinity
`;

/** Identity mapping: devbox uids are host uids, so layers and the upper dir keep real owners. */
const IDENTITY_MAP = '0 0 4294967295\n';

/** Host /proc entries a devbox root could write through DAC alone (identity-mapped root owns them). */
const PROC_READ_ONLY = ['sys', 'sysrq-trigger', 'irq', 'bus', 'fs'];

/** fstab fields escape whitespace as octal. */
function fstabField(value: string): string {
  return value.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/\t/g, '\\011');
}

/**
 * The mounts of one devbox, in order: overlay root, proc, a /dev overlaid
 * from a template of safe device nodes (so a layer's /dev never matters and
 * no host console leaks in), devpts, shm, a tmpfs /run with tini bound in.
 *
 * @example
 * writeFileSync(`${stateDir}/fstab`, devboxFstab({ stateDir, lowerdir: `${layer}:${rootfs}`, runtimeDir }));
 */
export function devboxFstab(options: { readonly stateDir: string; readonly lowerdir: string; readonly runtimeDir: string }): string {
  const m = `${options.stateDir}/merged`;
  const rows: [string, string, string, string][] = [
    ['overlay', m, 'overlay', `lowerdir=${options.lowerdir},upperdir=${options.stateDir}/upper,workdir=${options.stateDir}/work`],
    ['proc', `${m}/proc`, 'proc', 'nosuid,nodev,noexec'],
    ...PROC_READ_ONLY.filter((entry) => existsSync(`/proc/${entry}`)).map(
      (entry): [string, string, string, string] => [`${m}/proc/${entry}`, `${m}/proc/${entry}`, 'none', 'bind,ro'],
    ),
    ['overlay', `${m}/dev`, 'overlay', `lowerdir=${options.runtimeDir}/dev,upperdir=${options.stateDir}/dev/upper,workdir=${options.stateDir}/dev/work,nosuid`],
    ['devpts', `${m}/dev/pts`, 'devpts', 'newinstance,ptmxmode=0666,mode=620'],
    ['tmpfs', `${m}/dev/shm`, 'tmpfs', 'nosuid,nodev'],
    ['tmpfs', `${m}/run`, 'tmpfs', 'mode=755,nosuid,nodev'],
    [`${options.runtimeDir}/bin`, `${m}/run/devbox`, 'none', 'bind,ro,X-mount.mkdir'],
  ];
  return rows.map((row) => `${row.map(fstabField).join(' ')} 0 0\n`).join('');
}

/**
 * What the launcher needs. Directories must exist (upper/, work/, merged/, dev/upper, dev/work) and `fstab` be written.
 *
 * @example
 * const options: LaunchOptions = { stateDir, hostname: 'dbx-1', hosts: '127.0.0.1 localhost dbx-1\n', resolvConf: '', network: 'isolated', cgroupProcs: cgroups.procsFiles(), userns: true };
 * const launched = await launchNamespaceDevbox(options);
 */
export interface LaunchOptions {
  readonly stateDir: string;
  readonly hostname: string;
  /** Content for the devbox's /etc/hosts. */
  readonly hosts: string;
  /** Content for /etc/resolv.conf (host network only); empty leaves the devbox's own. */
  readonly resolvConf: string;
  readonly network: 'host' | 'isolated';
  readonly cgroupProcs: readonly string[];
  /** Run the devbox in its own (identity-mapped) user namespace; see PIVOT. */
  readonly userns: boolean;
}

/**
 * A launched devbox: its supervisor (`unshare`), the host PID of tini, and its shell.
 *
 * @example
 * const { initPid, shell, supervisor } = await launchNamespaceDevbox(options);
 * supervisor.once('exit', () => console.log(`devbox with PID 1 = ${initPid} (${shell}) is gone`));
 */
export interface Launched {
  readonly supervisor: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly initPid: number;
  readonly shell: '/bin/bash' | '/bin/sh';
  readonly userns: boolean;
}

/**
 * Starts the devbox and resolves once tini runs as its PID 1.
 *
 * @example
 * const { initPid } = await launchNamespaceDevbox({ stateDir, hostname: 'dbx-1', hosts, resolvConf: '', network: 'isolated', cgroupProcs, userns: true });
 */
export function launchNamespaceDevbox(options: LaunchOptions): Promise<Launched> {
  const supervisor = spawn('/bin/sh', ['-c', OUTER], {
    // Own process group: a terminal's Ctrl-C reaches the server, which stops devboxes in order.
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      RL_CGROUP_PROCS: options.cgroupProcs.join(' '),
      RL_NETFLAG: options.network === 'isolated' ? '--net' : '',
      RL_NET: options.network,
      RL_INNER: INNER,
      RL_PIVOT: PIVOT,
      RL_USERNS: options.userns ? '1' : '0',
      RL_STATE: options.stateDir,
      RL_HOSTNAME: options.hostname,
      RL_HOSTS: options.hosts,
      RL_RESOLV: options.resolvConf,
    },
  });
  return new Promise<Launched>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let mapped = false;
    const onStdout = (chunk: string): void => {
      stdout += chunk;
      const maps = /^MAPS (\d+)$/m.exec(stdout);
      if (maps && !mapped) {
        mapped = true;
        try {
          writeFileSync(`/proc/${maps[1]}/uid_map`, IDENTITY_MAP);
          writeFileSync(`/proc/${maps[1]}/gid_map`, IDENTITY_MAP);
          supervisor.stdin.write('go\n');
        } catch (error) {
          supervisor.kill('SIGKILL');
          stderr += `cannot map the devbox user namespace: ${(error as Error).message}`;
          return;
        }
      }
      const match = /^READY (\d+) (bash|sh)$/m.exec(stdout);
      if (!match) return;
      cleanup();
      resolve({ supervisor, initPid: Number(match[1]), shell: match[2] === 'bash' ? '/bin/bash' : '/bin/sh', userns: options.userns });
    };
    const onStderr = (chunk: string): void => {
      // mount(8) adds a dmesg hint to every failure: noise for our callers.
      stderr = (stderr + chunk).replace(/^\s*dmesg\(1\) may have more information.*\n?/gm, '').slice(-4000);
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
      supervisor.stdin.end();
    };
    supervisor.stdin.on('error', () => undefined);
    supervisor.stdout.setEncoding('utf8').on('data', onStdout);
    supervisor.stderr.setEncoding('utf8').on('data', onStderr);
    supervisor.on('exit', onExit);
    supervisor.on('error', onError);
  });
}

/**
 * How to spawn a process inside a devbox: pass all three to `child_process.spawn`.
 *
 * @example
 * const { file, args, options } = insideCommand({ initPid, userns: true, cgroupProcs: [], uid: 1000, gid: 1000, cwd: '/', env: {}, argv: ['/bin/true'] });
 * const child = spawn(file, args, { ...options, stdio: 'pipe' });
 */
export interface InsideCommand {
  readonly file: string;
  readonly args: string[];
  /** The host-side environment (PATH only) and cwd. */
  readonly options: { readonly env: Record<string, string>; readonly cwd: '/' };
}

/**
 * How to run a command inside a running devbox: a host `sh` joins the
 * devbox cgroups (so freeze and limits cover the command), then execs
 * `nsenter` into every namespace and the pivoted root as `uid`/`gid`. The
 * caller's `env` is applied only inside, by the devbox's `env -i`: host-side
 * root processes never see it (an LD_PRELOAD pointing at a file the devbox
 * user wrote into its upper dir must not load into host root processes).
 *
 * @example
 * const { file, args, options } = insideCommand({ initPid, userns: true, cgroupProcs, uid: 1000, gid: 1000, cwd: '/home/user', env, argv: ['/bin/bash', '-c', 'ls'] });
 * spawn(file, args, { ...options, stdio: 'pipe' });
 */
export function insideCommand(options: {
  readonly initPid: number;
  /** The devbox has its own user namespace (nsenter enters it last, after the privileged ones). */
  readonly userns: boolean;
  readonly cgroupProcs: readonly string[];
  readonly uid: number;
  readonly gid: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}): InsideCommand {
  const nsenter = nsenterArgv(options);
  const spawnOptions = { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, cwd: '/' as const };
  if (options.cgroupProcs.length === 0) return { file: '/usr/bin/nsenter', args: nsenter.slice(1), options: spawnOptions };
  const join = 'for f in $1; do echo $$ > "$f"; done; shift; exec "$@"';
  return { file: '/bin/sh', args: ['-c', join, 'sh', options.cgroupProcs.join(' '), ...nsenter], options: spawnOptions };
}

/**
 * The argv (from `/usr/bin/nsenter` on) that runs `argv` inside the devbox;
 * see {@link insideCommand} for the rest.
 *
 * @example
 * nsenterArgv({ initPid, userns: true, uid: 1000, gid: 1000, cwd: '/home/user', env: { HOME: '/home/user' }, argv: ['/bin/true'] });
 * // ['/usr/bin/nsenter', '-t', '4242', '-U', '-m', …, '/usr/bin/env', '-i', 'HOME=/home/user', '/bin/true']
 */
export function nsenterArgv(options: {
  readonly initPid: number;
  readonly userns: boolean;
  readonly uid: number;
  readonly gid: number;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}): string[] {
  return [
    '/usr/bin/nsenter', '-t', String(options.initPid), ...(options.userns ? ['-U'] : []), '-m', '-u', '-i', '-n', '-p', '-r',
    '-S', String(options.uid), '-G', String(options.gid), `--wdns=${options.cwd}`,
    '/usr/bin/env', '-i', ...Object.entries(options.env).map(([k, v]) => `${k}=${v}`), ...options.argv,
  ];
}
