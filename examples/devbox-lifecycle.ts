// Devbox lifecycle: every way to create a devbox (plain, from a blueprint id,
// from a blueprint name, from a snapshot), attaching with fromId, listing,
// and getInfo. Each devbox lives inside `runloop.devbox.use`, so it is shut
// down when its work ends; attaching (fromId) never shuts anything down.
import { concat, concatWith, ignoreElements, map, switchMap, take, tap, toArray } from 'rxjs';
import type { Devbox, RunloopSDK } from '../src/index.js';
import { runExample } from './support/runloop.js';
import { shutdownAfter } from './support/shutdown.js';

const describe = (devbox: Devbox) =>
  devbox
    .getInfo()
    .pipe(tap((info) => console.log(`  devbox ${info.name ?? '(no name)'} (${info.id}) is ${info.status}`)));

const plainAndAttached = (runloop: RunloopSDK) =>
  runloop.devbox.use({ name: 'my-devbox' }, (devbox) =>
    concat(
      describe(devbox),
      // fromId waits until the devbox runs and attaches to it; it never shuts it down.
      runloop.devbox.fromId(devbox.id).pipe(
        tap((existing) => console.log(`  fromId(${existing.id}) attached to a running devbox`)),
        ignoreElements(),
      ),
      runloop.devbox.list({ status: 'running' }).pipe(
        take(10),
        toArray(),
        tap((devboxes) =>
          console.log(
            `  list: ${devboxes.length} running devbox(es), including ours: ${devboxes.some((d) => d.id === devbox.id)}`,
          ),
        ),
        ignoreElements(),
      ),
    ),
  );

const fromBlueprint = (runloop: RunloopSDK) =>
  runloop.blueprint
    .create({
      name: 'lifecycle-blueprint',
      dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN echo built > /built.txt\n',
    })
    .pipe(
      switchMap((blueprint) =>
        concat(
          runloop.devbox
            .createFromBlueprintId(blueprint.id, { name: 'my-devbox-from-blueprint' })
            .pipe(switchMap((devbox) => describe(devbox).pipe(shutdownAfter(devbox)))),
          runloop.devbox
            .createFromBlueprintName('lifecycle-blueprint', { name: 'my-devbox-from-blueprint-name' })
            .pipe(switchMap((devbox) => describe(devbox).pipe(shutdownAfter(devbox)))),
        ).pipe(concatWith(blueprint.delete().pipe(ignoreElements()))),
      ),
    );

const fromSnapshot = (runloop: RunloopSDK) =>
  runloop.devbox
    .use({ name: 'snapshot-source' }, (devbox) =>
      devbox.file
        .write({ path: 'state.txt', contents: 'kept' })
        .pipe(switchMap(() => devbox.snapshotDisk({ name: 'lifecycle-snapshot' }))),
    )
    .pipe(
      switchMap((snapshot) =>
        runloop.devbox.createFromSnapshot(snapshot.id, { name: 'my-devbox-from-snapshot' }).pipe(
          switchMap((devbox) =>
            devbox.file.read({ path: 'state.txt' }).pipe(
              map((text) => `  devbox from snapshot ${snapshot.id} reads state.txt: ${text}`),
              tap((line) => console.log(line)),
              concatWith(describe(devbox).pipe(ignoreElements())),
              shutdownAfter(devbox),
            ),
          ),
          concatWith(snapshot.delete().pipe(ignoreElements())),
        ),
      ),
    );

runExample('devbox-lifecycle', (runloop) =>
  concat(
    plainAndAttached(runloop).pipe(tap({ subscribe: () => console.log('create, getInfo, fromId, list') })),
    fromBlueprint(runloop).pipe(
      tap({ subscribe: () => console.log('createFromBlueprintId / createFromBlueprintName') }),
    ),
    fromSnapshot(runloop).pipe(tap({ subscribe: () => console.log('createFromSnapshot') })),
  ),
);
