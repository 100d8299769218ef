// Files: write and read text files, upload a local file (streamed from
// disk), and download a file back to the local disk.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Observable, concat, concatMap, defer, finalize, ignoreElements, switchMap, tap } from 'rxjs';
import type { Devbox } from '../src/index.js';
import { runExample } from './support/runloop.js';

/** A scratch directory for this script's local files, removed at the end. */
const localDir$ = defer(() => mkdtemp(join(tmpdir(), 'runloop-files-example-')));

const writeAndRead = (devbox: Devbox) =>
  devbox.file.write({ path: '/home/user/app.js', contents: 'console.log("Hello from devbox!");' }).pipe(
    switchMap(() => devbox.file.read({ path: '/home/user/app.js' })),
    tap((content) => console.log('read /home/user/app.js:', content)),
  );

const uploadAndDownload = (devbox: Devbox, dir: string): Observable<unknown> => {
  const localFile = join(dir, 'local_file.txt');
  const localDownload = join(dir, 'local_download.txt');
  return defer(() => writeFile(localFile, 'uploaded from the local disk\n')).pipe(
    switchMap(() => devbox.file.upload({ path: '/home/user/upload.txt', file: localFile })),
    tap(() => console.log('uploaded local_file.txt to /home/user/upload.txt')),
    switchMap(() =>
      devbox.cmd.exec(
        'cp /home/user/upload.txt /home/user/download.txt && echo "changed in the devbox" >> /home/user/download.txt',
      ),
    ),
    switchMap(() => devbox.file.download({ path: '/home/user/download.txt' })),
    concatMap((data) => defer(() => writeFile(localDownload, data))),
    concatMap(() => defer(() => readFile(localDownload, 'utf8'))),
    tap((text) => console.log(`downloaded /home/user/download.txt to local_download.txt:\n${text.trimEnd()}`)),
  );
};

runExample('files', (runloop) =>
  localDir$.pipe(
    switchMap((dir) =>
      runloop.devbox
        .use({ name: 'files' }, (devbox) => concat(writeAndRead(devbox), uploadAndDownload(devbox, dir)))
        .pipe(finalize(() => void rm(dir, { recursive: true, force: true }))),
    ),
    ignoreElements(),
  ),
);
