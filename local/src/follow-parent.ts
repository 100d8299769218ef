/**
 * Stops the server when the process that started it is gone. `npx
 * runloop-local` runs npm, which runs `sh -c runloop-local`, which runs
 * node: a supervisor's SIGTERM to the npx PID reaches npm and the shell,
 * never node, which then lives on as an orphan holding the port. Watching
 * the parent PID catches that however the launcher died.
 */

/**
 * How often the parent is checked; a getppid() call, nothing more.
 *
 * @example
 * followParent(stop, PARENT_CHECK_MS)
 */
export const PARENT_CHECK_MS = 500;

/**
 * True when the process was started through npm (`npx`, `npm exec`, `npm
 * run`): then its parent is npm's shell, not something that will stop it.
 *
 * @example
 * if (launchedByNpm(process.env)) followParent(() => stop('launcher exited'));
 */
export function launchedByNpm(env: NodeJS.ProcessEnv): boolean {
  return (env['npm_command'] ?? '') !== '' || (env['npm_lifecycle_event'] ?? '') !== '';
}

/**
 * Calls `onGone` once when this process's parent changes (it died and the
 * process was re-parented). Returns a function that stops watching.
 *
 * @example
 * const unfollow = followParent(() => void server.stop());
 */
export function followParent(onGone: () => void, intervalMs: number = PARENT_CHECK_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  // Watching must not be what keeps the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
