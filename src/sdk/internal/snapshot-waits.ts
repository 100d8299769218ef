import { asyncScheduler, defer, last, map, type Observable, type SchedulerLike } from 'rxjs';
import type { RunloopApi } from '../../api/index.js';
import type { SnapshotStatusView } from '../../api/views/disk-snapshot.js';
import { abortOn } from '../../core/abort.js';
import { pollUntil } from '../../core/polling.js';
import { SnapshotError } from '../errors.js';
import { pollingConfigOf, type WaitOptions } from '../options.js';
import { requestOptions } from './context.js';
import { describeTimeout } from './timeout-state.js';

/** Statuses a snapshot does not leave; any other (also one this SDK does not know yet) keeps the wait going. */
const SETTLED: readonly string[] = ['complete', 'error', 'deleted'];

/**
 * Polls a disk snapshot's status (pausing `pollingConfig.intervalMs` between polls, default
 * 1 s) until it is `complete` (emitted) or `error` / `deleted` (fails with
 * {@link SnapshotError}). The deadline fails with `PollingTimeoutError`
 * carrying the last status. Unlike the official client, `deleted` ends the
 * wait instead of polling forever; an unknown status keeps polling.
 *
 * @example
 * awaitSnapshotCompleted(api, 'snp_1', { pollingConfig: { timeoutMs: 600_000 } }).subscribe();
 */
export function awaitSnapshotCompleted(
  api: RunloopApi,
  snapshotId: string,
  options: WaitOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<SnapshotStatusView> {
  const fetch$ = defer(() => api.diskSnapshots.queryStatus(snapshotId, requestOptions(options)));
  return pollUntil(fetch$, (s) => SETTLED.includes(s.status), pollingConfigOf(options.pollingConfig), scheduler).pipe(
    last(),
    describeTimeout({ resource: `snapshot ${snapshotId}`, state: 'complete' }),
    map((status) => {
      if (status.status !== 'complete') throw new SnapshotError(snapshotId, status);
      return status;
    }),
    // Between polls no request is in flight to carry the abort: end the wait at once.
    abortOn(options.signal),
  );
}
