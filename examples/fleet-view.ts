// A fleet at a glance: the status$ of several devboxes, combined with
// combineLatest into one live view that prints a row whenever any status
// changes and ends by itself once every devbox is shut down. A driver
// suspends, resumes and shuts the devboxes down meanwhile. Each devbox is
// still scoped (nested `use`), so nothing outlives the script.
import {
  type Observable,
  combineLatest,
  concat,
  distinctUntilChanged,
  ignoreElements,
  map,
  merge,
  tap,
  timer,
} from 'rxjs';
import type { Devbox, RunloopSDK } from '../src/index.js';
import { runExample } from './support/runloop.js';

const NAMES = ['web', 'worker', 'db', 'cache'];

/** Creates one scoped devbox per name (one after the other) and hands all of them to `work`. */
function useAll<T>(
  runloop: RunloopSDK,
  names: readonly string[],
  work: (devboxes: Devbox[]) => Observable<T>,
  made: Devbox[] = [],
): Observable<T> {
  const [name, ...rest] = names;
  if (name === undefined) return work(made);
  return runloop.devbox.use({ name: `fleet-${name}` }, (devbox) => useAll(runloop, rest, work, [...made, devbox]));
}

/** One row per change: `web: running | worker: suspended | …`; completes when every status$ has (terminal state). */
const fleetView = (devboxes: Devbox[]) =>
  combineLatest(devboxes.map((devbox) => devbox.status$)).pipe(
    map((statuses) => statuses.map((status, i) => `${NAMES[i]}: ${status}`).join(' | ')),
    distinctUntilChanged(),
    tap((row) => console.log(`[fleet] ${row}`)),
  );

/** Stirs the fleet: suspend and resume one devbox, then shut them all down one by one. */
const driver = ([first, ...others]: Devbox[]) =>
  first === undefined
    ? timer(0)
    : concat(
        timer(300),
        first.suspend(),
        first.resume(),
        ...[first, ...others].map((devbox) => concat(timer(150), devbox.shutdown())),
      );

runExample('fleet-view', (runloop) =>
  useAll(runloop, NAMES, (devboxes) => merge(fleetView(devboxes), driver(devboxes).pipe(ignoreElements()))).pipe(
    ignoreElements(),
    tap({ complete: () => console.log('[fleet] every devbox is shut down') }),
  ),
);
