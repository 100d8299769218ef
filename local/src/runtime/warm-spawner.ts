/**
 * Takes process creation off an exec's critical path. Each command of a
 * namespace devbox starts as a host-side process that joins the devbox's
 * cgroups and then execs `nsenter`. Creating it costs the server a fork of
 * its whole address space (milliseconds, on the event loop) plus a shell's
 * start and the cgroup migrations. A WarmSpawner keeps one such process
 * ready, already in the cgroups, blocked reading its argv from fd 3; a
 * command hands it the argv and gets a fresh child at once, and the next one
 * is prepared in the background.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** bash's `mapfile -d ''` reads a NUL-separated argv: no quoting, any bytes but NUL. */
const HOST_BASH = '/bin/bash';
const HAS_HOST_BASH = existsSync(HOST_BASH);
const WARM_SCRIPT = 'for f in $1; do echo $$ > "$f"; done; mapfile -d "" -t argv <&3; exec 3<&-; [ ${#argv[@]} -gt 0 ] && exec "${argv[@]}"';

/**
 * One ready host process per devbox (see the module comment).
 *
 * @example
 * const warm = new WarmSpawner(cgroups.procsFiles());
 * const child = warm.spawn(nsenterArgv({ initPid, userns: true, uid: 1000, gid: 1000, cwd: '/home/user', env, argv: ['/bin/bash', '-c', 'ls'] }));
 * warm.close();
 */
export class WarmSpawner {
  #ready: ChildProcess | undefined;
  #closed = false;

  constructor(private readonly cgroupProcs: readonly string[]) {
    this.#prepare();
  }

  /**
   * Runs `argv` (an absolute program first) in the devbox cgroups, in its own
   * process group, with piped stdin/stdout/stderr. Uses the ready process
   * when there is a live one, else spawns as usual (also on hosts without bash).
   */
  spawn(argv: readonly string[]): ChildProcessWithoutNullStreams {
    const ready = this.#take();
    // The next one after this command got going: the fork blocks the event loop for a moment.
    setImmediate(() => this.#prepare());
    if (ready === undefined) return this.#start(argv.map(String)) as ChildProcessWithoutNullStreams;
    const control = ready.stdio[3] as Writable;
    control.end(`${argv.join('\0')}\0`);
    return ready as ChildProcessWithoutNullStreams;
  }

  /** Drops the ready process (the devbox stops: its cgroup kill ends it anyway). */
  close(): void {
    this.#closed = true;
    const ready = this.#ready;
    this.#ready = undefined;
    // An empty argv makes it exit on its own.
    (ready?.stdio[3] as Writable | undefined)?.end();
  }

  #take(): ChildProcess | undefined {
    const ready = this.#ready;
    this.#ready = undefined;
    // Only a process whose exit Node has not seen yet: listeners attached now still get it.
    if (ready === undefined || ready.pid === undefined || ready.exitCode !== null || ready.signalCode !== null) return undefined;
    return ready;
  }

  #prepare(): void {
    if (this.#closed || !HAS_HOST_BASH || this.#ready !== undefined) return;
    this.#ready = this.#start(undefined);
  }

  /** With `argv`, the plain path; without, a warm process waiting on fd 3. */
  #start(argv: string[] | undefined): ChildProcess {
    const procs = this.cgroupProcs.join(' ');
    const args = argv === undefined
      ? // bash reads ~/.bashrc when its stdin is a socket (Node's pipes are): --norc.
        ['--norc', '--noprofile', '-c', WARM_SCRIPT, 'bash', procs]
      : ['-c', 'for f in $1; do echo $$ > "$f"; done; shift; exec "$@"', 'sh', procs, ...argv];
    const child = spawn(argv === undefined ? HOST_BASH : '/bin/sh', args, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      cwd: '/',
      detached: true,
      stdio: argv === undefined ? ['pipe', 'pipe', 'pipe', 'pipe'] : 'pipe',
    });
    if (argv === undefined) {
      // Until handed out nobody listens: a failed or killed warm process is simply not used.
      child.on('error', () => undefined);
      (child.stdio[3] as Writable).on('error', () => undefined);
    }
    return child;
  }
}
