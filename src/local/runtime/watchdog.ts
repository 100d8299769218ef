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

const SCRIPT = `ids=" "
while read -r line; do
  case $line in
    +*) ids="$ids\${line#+} " ;;
    -*) x=\${line#-}; new=" "; for i in $ids; do [ "$i" = "$x" ] || new="$new$i "; done; ids=$new ;;
  esac
done
for i in $ids; do echo 1 > "$RL_UNIFIED/$i/cgroup.kill" 2>/dev/null || true; done
sleep 1
for i in $ids; do for root in $RL_ROOTS; do rmdir "$root/$i" 2>/dev/null || true; done; done
for root in $RL_ROOTS; do rmdir "$root" 2>/dev/null || true; done
`;

/**
 * The watchdog of one runtime.
 *
 * @example
 * const dog = new Watchdog('/sys/fs/cgroup/unified/runloop-local-ab12', ['/sys/fs/cgroup/memory/runloop-local-ab12']);
 * dog.add('dbx_1'); dog.remove('dbx_1'); dog.end();
 */
export class Watchdog {
  private child: ChildProcessByStdio<Writable, null, null> | undefined;

  constructor(
    private readonly unifiedInstanceDir: string,
    private readonly otherInstanceDirs: readonly string[],
  ) {}

  add(id: string): void {
    this.send(`+${id}`);
  }

  remove(id: string): void {
    this.send(`-${id}`);
  }

  /** Ends the watchdog: it kills whatever is still registered, so deregister stopped devboxes first. */
  end(): void {
    this.child?.stdin.end();
    this.child = undefined;
  }

  private send(line: string): void {
    const child = (this.child ??= this.startChild());
    child.stdin.write(`${line}\n`);
  }

  private startChild(): ChildProcessByStdio<Writable, null, null> {
    const child = spawn('/bin/sh', ['-c', SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        RL_UNIFIED: this.unifiedInstanceDir,
        RL_ROOTS: [this.unifiedInstanceDir, ...this.otherInstanceDirs].join(' '),
      },
    });
    // The watchdog must never keep the server alive, nor crash it when it is gone.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    child.stdin.on('error', () => undefined);
    child.on('error', () => undefined);
    return child;
  }
}
