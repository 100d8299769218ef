/**
 * Makes devboxes die with the server even when the server is SIGKILLed.
 *
 * Node cannot set PR_SET_PDEATHSIG, and `unshare --kill-child` only covers
 * unshare's own death. So each runtime starts one tiny `sh` watchdog in its
 * own process group (out of reach of a terminal's Ctrl-C and of every devbox
 * cgroup) whose stdin is a pipe from the server. The server tells it which
 * devbox cgroups are live; when the pipe reaches EOF — the server exited for
 * whatever reason — it writes `cgroup.kill` for each and removes the groups.
 * `reapOrphans()` on the next start covers the rare case the watchdog itself
 * was killed too.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Writable } from 'node:stream';

/** Reads `+name` / `-name` lines until EOF, then runs RL_ON_EOF with the live names in $ids. */
const SCRIPT = `ids=" "
while read -r line; do
  case $line in
    +*) ids="$ids\${line#+} " ;;
    -*) x=\${line#-}; new=" "; for i in $ids; do [ "$i" = "$x" ] || new="$new$i "; done; ids=$new ;;
  esac
done
eval "$RL_ON_EOF"
`;

/** On EOF: kill each devbox cgroup, unmount its disk, remove the groups, the instance dirs, the egress chains and the devboxes' policy chains and sets. */
const KILL_CGROUPS = `for i in $ids; do echo 1 > "$RL_UNIFIED/$i/cgroup.kill" 2>/dev/null || true; done
sleep 1
for i in $ids; do [ -z "$RL_MOUNTS" ] || umount -l "$RL_MOUNTS/$i" 2>/dev/null || true; done
for i in $ids; do for root in $RL_ROOTS; do rmdir "$root/$i" 2>/dev/null || true; done; done
for root in $RL_ROOTS; do rmdir "$root" 2>/dev/null || true; done
if [ -n "$RL_CHAIN" ]; then
  for t in filter nat; do
    iptables -w -t $t -D OUTPUT -m cgroup --path "$RL_INSTANCE" -j "$RL_CHAIN" 2>/dev/null
    iptables -w -t $t -F "$RL_CHAIN" 2>/dev/null; iptables -w -t $t -X "$RL_CHAIN" 2>/dev/null
    for c in $(iptables -w -t $t -S 2>/dev/null | sed -n "s/^-N \\($RL_DEVBOX_CHAINS[^ ]*\\)$/\\1/p"); do
      iptables -w -t $t -F "$c" 2>/dev/null; iptables -w -t $t -X "$c" 2>/dev/null
    done
  done
  for s in $(ipset list -n 2>/dev/null | grep "^$RL_DEVBOX_CHAINS"); do ipset destroy "$s" 2>/dev/null; done
fi
true`;

/** On EOF: SIGKILL each process group (plain-process devboxes' commands and supervisors). */
const KILL_GROUPS = `for i in $ids; do kill -KILL "-$i" 2>/dev/null || true; done`;

/**
 * The watchdog of one runtime: registered names are devbox ids (cgroup
 * mode) or process-group ids (process mode).
 *
 * @example
 * const dog = Watchdog.forCgroups('/sys/fs/cgroup/unified/runloop-local-ab12', ['/sys/fs/cgroup/memory/runloop-local-ab12'], '/data/.runtime/mnt');
 * dog.add('dbx_1'); dog.remove('dbx_1'); dog.end();
 */
export class Watchdog {
  private child: ChildProcessByStdio<Writable, null, null> | undefined;
  private readonly live = new Set<string>();

  private constructor(private readonly env: Readonly<Record<string, string>>) {}

  /**
   * Kills `<unifiedInstanceDir>/<id>` groups, unmounts `<mountRoot>/<id>`
   * (the devbox's disk), removes the groups from every hierarchy and the
   * runtime's egress chains (`egress`: its cgroup path and chain name) and
   * the devbox policy chains and sets whose names start with `egress.devboxChains`.
   */
  static forCgroups(
    unifiedInstanceDir: string,
    otherInstanceDirs: readonly string[],
    mountRoot = '',
    egress?: { readonly cgroupPath: string; readonly chain: string; readonly devboxChains?: string },
  ): Watchdog {
    return new Watchdog({
      RL_ON_EOF: KILL_CGROUPS,
      RL_UNIFIED: unifiedInstanceDir,
      RL_ROOTS: [unifiedInstanceDir, ...otherInstanceDirs.filter((dir) => dir !== unifiedInstanceDir)].join(' '),
      RL_MOUNTS: mountRoot,
      RL_INSTANCE: egress?.cgroupPath ?? '',
      RL_CHAIN: egress?.chain ?? '',
      // This server's devbox policy chains and sets (`RLD-<instance>-<pid>-`): never another server's.
      RL_DEVBOX_CHAINS: egress?.devboxChains ?? 'RLD-none-',
    });
  }

  /** Kills registered process groups. */
  static forProcessGroups(): Watchdog {
    return new Watchdog({ RL_ON_EOF: KILL_GROUPS });
  }

  add(name: string | number): void {
    this.live.add(String(name));
    this.send(`+${name}`);
  }

  remove(name: string | number): void {
    this.live.delete(String(name));
    this.send(`-${name}`);
  }

  /** Ends the watchdog: it kills whatever is still registered, so deregister stopped devboxes first. */
  end(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }

  private send(line: string): void {
    let child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      // (Re)start; a restarted watchdog must learn every live name again.
      child = this.child = this.startChild();
      for (const name of this.live) child.stdin.write(`+${name}\n`);
      if (line.startsWith('+')) return;
    }
    child.stdin.write(`${line}\n`);
  }

  private startChild(): ChildProcessByStdio<Writable, null, null> {
    const child = spawn('/bin/sh', ['-c', SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...this.env },
    });
    // The watchdog must never keep the server alive, nor crash it when it is gone.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    child.stdin.on('error', () => undefined);
    child.on('error', () => undefined);
    return child;
  }
}
