// Suspend and resume: suspend() waits until the devbox is suspended, resume()
// until it runs again; the disk survives, processes do not. Also keepAlive,
// awaitRunning, awaitSuspended and the non-waiting suspendAsync/resumeAsync.
import { concat, ignoreElements, switchMap, tap } from 'rxjs';
import { runExample } from './support/runloop.js';

runExample('suspend-resume', (runloop) =>
  runloop.devbox
    .use({ name: 'suspend-resume' }, (devbox) =>
      concat(
        devbox.file.write({ path: 'kept.txt', contents: 'still here' }),
        devbox.suspend().pipe(tap((view) => console.log('suspend():', view.status))),
        devbox.resume().pipe(tap((view) => console.log('resume():', view.status))),
        devbox.file.read({ path: 'kept.txt' }).pipe(tap((text) => console.log('kept.txt after resume:', text))),
        devbox.keepAlive().pipe(tap(() => console.log('keepAlive(): idle timer reset'))),
        // The non-waiting forms return at once; await the state yourself.
        devbox.suspendAsync().pipe(
          tap((view) => console.log('suspendAsync():', view.status)),
          switchMap(() => devbox.awaitSuspended()),
          tap((view) => console.log('awaitSuspended():', view.status)),
        ),
        devbox.resumeAsync().pipe(
          tap((view) => console.log('resumeAsync():', view.status)),
          switchMap(() => devbox.awaitRunning()),
          tap((view) => console.log('awaitRunning():', view.status)),
        ),
      ),
    )
    .pipe(ignoreElements()),
);
