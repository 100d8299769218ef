/**
 * The devbox state machine (runloop-api.md §6): which status may follow
 * which. The service asks before every change, so a race (shutdown during
 * boot, suspend of a suspended devbox) becomes a clear 409, never a
 * half-made state.
 */
import type { DevboxStatusStrict } from 'runloop-rx/views';

const NEXT: Readonly<Record<DevboxStatusStrict, readonly DevboxStatusStrict[]>> = {
  scheduled: ['provisioning', 'failure', 'shutdown'],
  queued: ['provisioning', 'failure', 'shutdown'],
  provisioning: ['initializing', 'failure', 'shutdown'],
  initializing: ['running', 'failure', 'shutdown'],
  running: ['suspending', 'failure', 'shutdown'],
  suspending: ['suspended', 'failure', 'shutdown'],
  suspended: ['resuming', 'failure', 'shutdown'],
  resuming: ['running', 'failure', 'shutdown'],
  failure: [],
  shutdown: [],
};

/**
 * Whether a devbox may go from `from` to `to`.
 *
 * @example
 * canTransition('running', 'suspending'); // true
 * canTransition('suspended', 'suspending'); // false
 */
export function canTransition(from: DevboxStatusStrict, to: DevboxStatusStrict): boolean {
  return NEXT[from].includes(to);
}

/**
 * Whether `status` is final (`failure`, `shutdown`).
 *
 * @example
 * isFinal('shutdown'); // true
 */
export function isFinal(status: DevboxStatusStrict): boolean {
  return NEXT[status].length === 0;
}
