import { asyncScheduler, defer, last, map, type Observable, type SchedulerLike } from 'rxjs';
import type { RunloopApi } from '../../api/index.js';
import type { SnapshotStatusView } from '../../api/views/disk-snapshot.js';
import { pollUntil } from '../../core/polling.js';
import { SnapshotError } from '../errors.js';
import { pollingConfigOf, type WaitOptions } from '../options.js';
import { requestOptions } from './context.js';

/**
 * Polls a disk snapshot's status (every `pollingConfig.intervalMs`, default
 * 1 s) until it is `complete` (emitted) or `error` / `deleted` (fails with
 * {@link SnapshotError}). The deadline fails with `PollingTimeoutError`
 * carrying the last status. Unlike the official client, `deleted` ends the
 * wait instead of polling forever.
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
  return pollUntil(fetch$, (s) => s.status !== 'in_progress', pollingConfigOf(options.pollingConfig), scheduler).pipe(
    last(),
    map((status) => {
      if (status.status !== 'complete') throw new SnapshotError(snapshotId, status);
      return status;
    }),
  );
}
