/**
 * Named persistent shells: commands with the same `shell_name` on a devbox
 * share their working directory and exported environment. Each command
 * restores the state the previous one saved (in a file inside the devbox)
 * and saves its own on exit, whatever way it exits. Commands of one shell
 * run one at a time, in order.
 */

/**
 * Where a shell keeps its state, relative to the devbox's temp dir
 * (`$TMPDIR`, else `/tmp`: the process-mode fallback points TMPDIR into the
 * devbox's own directory, so nothing lands in the host's /tmp). The name is
 * hex-encoded so any name is a safe path.
 *
 * @example
 * shellStateDir('build'); // '.runloop-shells/6275696c64'
 */
export function shellStateDir(shellName: string): string {
  return `.runloop-shells/${Buffer.from(shellName, 'utf8').toString('hex')}`;
}

/**
 * The script that runs `command` inside the named shell `shellName`.
 *
 * @example
 * spawn({ command: inShell('build', 'cd src && export MODE=fast') });
 */
export function inShell(shellName: string, command: string): string {
  const dir = shellStateDir(shellName);
  // The EXIT trap saves cwd and exports even when the command calls `exit`.
  return [
    `__rl_shell="\${TMPDIR:-/tmp}/${dir}"`,
    `if [ -f "$__rl_shell/env" ]; then . "$__rl_shell/env"; fi`,
    `if [ -f "$__rl_shell/cwd" ]; then cd "$(cat "$__rl_shell/cwd")" 2>/dev/null || true; fi`,
    `__rl_save() { __rl_rc=$?; mkdir -p "$__rl_shell" && export -p > "$__rl_shell/env" && pwd > "$__rl_shell/cwd"; exit $__rl_rc; }`,
    `trap __rl_save EXIT`,
    command,
  ].join('\n');
}

/**
 * Runs tasks of the same key one after another (a named shell's queue).
 *
 * @example
 * const queue = new KeyedQueue();
 * await queue.run('dbx_1/build', () => runCommand());
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Whether a task of `key` is running or waiting. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }

  /** Runs `task` after every earlier task of `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
