import {
  EMPTY,
  asyncScheduler,
  defer,
  expand,
  last,
  map,
  of,
  takeWhile,
  throwError,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { RunloopApi } from '../../api/index.js';
import {
  DevboxStatus,
  isTerminalDevboxStatus,
  type DevboxStatusStrict,
  type DevboxView,
} from '../../api/views/devbox.js';
import { longPoll } from '../../core/long-poll.js';
import { DevboxStateError } from '../errors.js';
import { longPollDeadline, type WaitOptions } from '../options.js';
import { requestOptions } from './context.js';
import { STATE_FETCH_OPTIONS, withLastStateOnTimeout } from './timeout-state.js';

/** States a devbox passes through on its own; waiting on them is worth it. */
const TRANSITIONAL: readonly string[] = [
  'scheduled',
  'queued',
  'provisioning',
  'initializing',
  'resuming',
  'suspending',
];

/**
 * Long-polls `wait_for_status` until the devbox is `target` (runloop-api.md
 * §5): 408 ⇒ ask again at once. Emits the view once and completes; a
 * terminal or unexpected state fails with {@link DevboxStateError}; the
 * `pollingConfig.timeoutMs` deadline fails with `PollingTimeoutError`
 * carrying the last state seen (or `known`, the state before waiting, or,
 * failing both, the state fetched once with a GET).
 *
 * @example
 * awaitDevboxStatus(api, 'dbx_1', 'running').subscribe((view) => console.log(view.status));
 */
export function awaitDevboxStatus(
  api: RunloopApi,
  id: string,
  target: 'running' | 'suspended',
  options: WaitOptions = {},
  known?: DevboxView,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<DevboxView> {
  const statuses: [DevboxStatusStrict, ...DevboxStatusStrict[]] = [target, 'failure', 'shutdown'];
  const deadline = longPollDeadline(options);
  if (deadline instanceof Error) return throwError(() => deadline);
  const request$ = defer(() => api.devboxes.waitForStatus(id, { statuses }, requestOptions(options)));
  return longPoll(
    request$,
    (view) => view.status === target || !TRANSITIONAL.includes(view.status),
    deadline,
    scheduler,
  ).pipe(
    last(),
    map((view) => {
      if (view.status !== target) throw new DevboxStateError(view, target);
      return view;
    }),
    withLastStateOnTimeout(
      known === undefined
        ? defer(() => api.devboxes.retrieve(id, { ...requestOptions(options), ...STATE_FETCH_OPTIONS }))
        : of(known),
      { resource: `devbox ${id}`, state: target },
    ),
  );
}

/**
 * The devbox's state as a stream: the current view, then one view per
 * status change (each a long-poll for "any status but the current one"),
 * ending after a terminal state. Cold; share it yourself or use
 * `Devbox.info$`.
 *
 * @example
 * watchDevbox(api, 'dbx_1').subscribe((view) => console.log(view.status));
 */
export function watchDevbox(
  api: RunloopApi,
  id: string,
  options: WaitOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<DevboxView> {
  const request = requestOptions(options);
  const waitForChange = (current: DevboxView): Observable<DevboxView> => {
    const others = DevboxStatus.known.filter((s) => s !== current.status && s !== 'scheduled');
    const [first, ...rest] = others;
    if (first === undefined) return EMPTY;
    return longPoll(
      defer(() => api.devboxes.waitForStatus(id, { statuses: [first, ...rest] }, request)),
      () => true,
      {},
      scheduler,
    );
  };
  return defer(() => api.devboxes.retrieve(id, request)).pipe(
    expand((view) => (isTerminalDevboxStatus(view.status) ? EMPTY : waitForChange(view)), 1),
    takeWhile((view) => !isTerminalDevboxStatus(view.status), true),
  );
}
