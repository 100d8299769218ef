// Disk snapshots: snapshotDisk (waits), snapshotDiskAsync + awaitCompleted,
// a devbox from a snapshot, then list, getInfo, update and delete.
import { concat, concatWith, forkJoin, ignoreElements, map, switchMap, tap, toArray } from 'rxjs';
import type { Devbox, RunloopSDK, Snapshot } from '../src/index.js';
import { runExample } from './support/runloop.js';
import { shutdownAfter } from './support/shutdown.js';

const takeSnapshots = (devbox: Devbox) =>
  devbox.file.write({ path: 'notes.txt', contents: 'written before the snapshot' }).pipe(
    switchMap(() =>
      forkJoin([
        devbox
          .snapshotDisk({ name: 'my-snapshot', commitMessage: 'Added new features' })
          .pipe(tap((snapshot) => console.log('snapshotDisk (waited):', snapshot.id))),
        devbox.snapshotDiskAsync({ name: 'my-snapshot-async', commitMessage: 'Added new features' }).pipe(
          tap((snapshot) => console.log('snapshotDiskAsync (returned at once):', snapshot.id)),
          switchMap((snapshot) =>
            snapshot.awaitCompleted().pipe(
              tap((status) => console.log('awaitCompleted:', status.status)),
              map(() => snapshot),
            ),
          ),
        ),
      ]),
    ),
  );

const useSnapshot = (runloop: RunloopSDK, sourceId: string, snapshot: Snapshot) =>
  concat(
    snapshot.createDevbox({ name: 'devbox-from-snapshot' }).pipe(
      switchMap((devbox) =>
        devbox.file.read({ path: 'notes.txt' }).pipe(
          tap((text) => console.log('devbox from snapshot reads notes.txt:', text)),
          shutdownAfter(devbox),
        ),
      ),
    ),
    runloop.snapshot.list({ devboxId: sourceId }).pipe(
      toArray(),
      tap((all) => console.log(`snapshots of ${sourceId}:`, all.map((s) => s.id).join(', '))),
    ),
    snapshot.getInfo().pipe(tap((info) => console.log(`Snapshot status: ${info.status}`))),
    snapshot
      .update({ name: 'updated-snapshot-name', metadata: { version: 'v2.0' } })
      .pipe(tap((view) => console.log('updated:', view.name, JSON.stringify(view.metadata)))),
  );

runExample('snapshots', (runloop) =>
  runloop.devbox
    .use({ name: 'snapshot-source' }, (devbox) =>
      takeSnapshots(devbox).pipe(map((snapshots) => ({ sourceId: devbox.id, snapshots }))),
    )
    .pipe(
      switchMap(({ sourceId, snapshots }) =>
        useSnapshot(runloop, sourceId, snapshots[0]).pipe(
          concatWith(
            forkJoin(snapshots.map((snapshot) => snapshot.delete())).pipe(
              tap(() => console.log(`deleted ${snapshots.length} snapshots`)),
            ),
          ),
        ),
      ),
      ignoreElements(),
    ),
);
