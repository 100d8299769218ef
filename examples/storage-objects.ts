// Storage objects: the manual flow (create ⇒ uploadContent ⇒ complete), the
// upload helpers (uploadFromFile / uploadFromText / uploadFromBytes),
// getInfo, getDownloadUrl, downloadAsText / downloadAsBytes, list, delete,
// and mounting objects into a devbox: a text file, and a tgz archive that is
// unpacked into a directory.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  concat,
  concatMap,
  concatWith,
  defer,
  finalize,
  forkJoin,
  from,
  ignoreElements,
  last,
  map,
  switchMap,
  tap,
  toArray,
} from 'rxjs';
import { buildContextStream, type RunloopSDK, type StorageObject } from '../src/index.js';
import { runExample } from './support/runloop.js';

/** Local files to upload: a csv report and a project directory packed as project.tar.gz. */
const localFiles$ = defer(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'runloop-objects-example-'));
  await writeFile(join(dir, 'report.csv'), 'name,value\nanswer,42\n');
  await mkdir(join(dir, 'project', 'src'), { recursive: true });
  await writeFile(join(dir, 'project', 'README.md'), '# project\n');
  await writeFile(join(dir, 'project', 'src', 'main.py'), 'print("hi")\n');
  await pipeline(buildContextStream(join(dir, 'project')), createWriteStream(join(dir, 'project.tar.gz')));
  return dir;
});

const show = (label: string) => (object: StorageObject) =>
  console.log(
    `${label}: ${object.id} ${object.initial?.name} (${object.initial?.content_type}, ${object.initial?.size_bytes ?? '?'} bytes)`,
  );

const manual = (runloop: RunloopSDK) =>
  runloop.storageObject.create({ name: 'my-file.txt', contentType: 'text', metadata: { project: 'demo' } }).pipe(
    switchMap((object) =>
      concat(object.uploadContent('Hello, World!'), object.complete()).pipe(
        last(),
        map(() => object),
      ),
    ),
    switchMap((object) =>
      concat(
        object
          .getInfo()
          .pipe(tap((info) => console.log(`manual upload: ${info.id} is ${info.state}, ${info.size_bytes} bytes`))),
        object
          .getDownloadUrl({ durationSeconds: 3600 })
          .pipe(tap(({ download_url }) => console.log('download URL:', download_url.replace(/\?.*/, '?…')))),
        object.downloadAsText().pipe(tap((text) => console.log('downloadAsText:', text))),
        object.downloadAsBytes().pipe(tap((bytes) => console.log('downloadAsBytes:', bytes.length, 'bytes'))),
      ).pipe(ignoreElements(), concatWith([object])),
    ),
  );

const helpers = (runloop: RunloopSDK, dir: string) =>
  concat(
    runloop.storageObject.uploadFromFile(join(dir, 'report.csv')).pipe(tap(show('uploadFromFile'))),
    runloop.storageObject
      .uploadFromText('Hello, World!', 'my-text.txt', { metadata: { source: 'text' } })
      .pipe(tap(show('uploadFromText'))),
    runloop.storageObject.uploadFromBytes(new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 'my-file.bin', 'binary').pipe(
      tap(show('uploadFromBytes')),
      concatMap((object) =>
        object.downloadAsBytes().pipe(
          tap((bytes) => console.log('  bytes back:', Buffer.from(bytes).toString('hex'))),
          map(() => object),
        ),
      ),
    ),
  );

const mounts = (runloop: RunloopSDK, dir: string) =>
  forkJoin([
    runloop.storageObject.uploadFromText('Hello, World!', 'my-data.txt'),
    runloop.storageObject.uploadFromFile(join(dir, 'project.tar.gz'), 'project.tar.gz'),
  ]).pipe(
    switchMap(([data, archive]) =>
      runloop.devbox
        .use(
          {
            name: 'mounts',
            mounts: [
              { type: 'object_mount', objectId: data.id, objectPath: '/home/user/data.txt' },
              // The SDK's shortcut: { path: object }. An archive is extracted into the directory.
              { '/home/user/project': archive },
            ],
          },
          (devbox) =>
            concat(
              devbox.cmd.exec('cat /home/user/data.txt').pipe(switchMap((r) => r.stdout())),
              devbox.cmd.exec('ls -la /home/user/project/ /home/user/project/src').pipe(switchMap((r) => r.stdout())),
            ),
        )
        .pipe(
          tap((out) => console.log(out.trimEnd())),
          ignoreElements(),
          concatWith([data, archive]),
        ),
    ),
  );

runExample('storage-objects', (runloop) =>
  localFiles$.pipe(
    switchMap((dir) =>
      concat(
        manual(runloop).pipe(tap({ subscribe: () => console.log('== create, uploadContent, complete') })),
        helpers(runloop, dir).pipe(tap({ subscribe: () => console.log('== upload helpers') })),
        mounts(runloop, dir).pipe(tap({ subscribe: () => console.log('== mounts: a text file and a tgz archive') })),
      ).pipe(
        toArray(),
        switchMap((made) =>
          runloop.storageObject.list().pipe(
            toArray(),
            tap((all) => console.log(`storageObject.list(): ${all.length} object(s)`)),
            switchMap(() => from(made)),
            concatMap((object) => object.delete()),
            toArray(),
            tap((deleted) => console.log(`deleted ${deleted.length} object(s)`)),
          ),
        ),
        finalize(() => void rm(dir, { recursive: true, force: true })),
      ),
    ),
    ignoreElements(),
  ),
);
