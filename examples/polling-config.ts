// Polling configuration: every method that waits for a state takes
// `{ pollingConfig: { timeoutMs, intervalMs } }`. `timeoutMs` is the overall
// deadline (PollingTimeoutError); `intervalMs` is the fixed interval where
// the SDK polls (blueprints, snapshots). Devbox and execution waits use
// server long-polls instead, so they react at once without an interval,
// and refuse `intervalMs` (RunloopConfigError) rather than ignore it.
import { concat, ignoreElements, map, switchMap, tap } from 'rxjs';
import { runExample } from './support/runloop.js';

runExample('polling-config', (runloop) =>
  runloop.devbox
    .use(
      { name: 'my-devbox' },
      (devbox) =>
        devbox.snapshotDiskAsync({ name: 'polled-snapshot' }).pipe(
          switchMap((snapshot) =>
            snapshot
              // Wait up to 10 minutes, polling every 500 ms (the seed polls every 5 s).
              .awaitCompleted({ pollingConfig: { timeoutMs: 600_000, intervalMs: 500 } })
              .pipe(
                tap((status) => console.log(`snapshot ${snapshot.id}: ${status.status}`)),
                switchMap(() => snapshot.delete()),
              ),
          ),
          map(() => devbox.id),
        ),
      // Wait up to 5 minutes for the devbox to run (a long-poll: no interval).
      { pollingConfig: { timeoutMs: 300_000 } },
    )
    .pipe(
      tap((id) => console.log(`devbox ${id} was created with a 5 minute deadline`)),
      switchMap(() =>
        concat(
          runloop.blueprint.create(
            { name: 'polled-blueprint', dockerfile: 'FROM runloop:runloop/starter-x86_64\n' },
            { pollingConfig: { timeoutMs: 600_000, intervalMs: 250 } },
          ),
        ).pipe(
          tap((blueprint) => console.log(`blueprint ${blueprint.id} built, polled every 250 ms`)),
          switchMap((blueprint) => blueprint.delete()),
        ),
      ),
      ignoreElements(),
    ),
);
