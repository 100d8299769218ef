// The raw REST client as `runloop.api`: one cold Observable per endpoint,
// decoded views with snake_case fields, mixed freely with the object layer.
import { catchError, concat, ignoreElements, map, switchMap, tap, throwError } from 'rxjs';
import { runExample } from './support/runloop.js';

runExample('raw-api', (runloop) =>
  runloop.api.devboxes.create({ name: 'raw-devbox' }).pipe(
    tap((view) => console.log(`api.devboxes.create: ${view.id} is ${view.status}`)),
    switchMap((created) =>
      concat(
        runloop.api.devboxes
          .waitForStatus(created.id, { statuses: ['running', 'failure', 'shutdown'] })
          .pipe(tap((view) => console.log(`api.devboxes.waitForStatus: ${view.status}`))),
        runloop.api.devboxes
          .execute(created.id, { command: 'echo raw exec' })
          .pipe(
            tap((execution) =>
              console.log(`api.devboxes.execute: ${execution.status}, stdout ${JSON.stringify(execution.stdout)}`),
            ),
          ),
        runloop.api.devboxes
          .list({ limit: 5 })
          .pipe(
            tap((page) =>
              console.log(`api.devboxes.list: ${page.devboxes.length} on the first page, has_more=${page.has_more}`),
            ),
          ),
        // Mixing layers: an SDK Devbox handle for the same id.
        runloop.devbox
          .attach(created.id)
          .getInfo()
          .pipe(map((info) => console.log(`devbox.attach(id).getInfo(): ${info.name}`))),
        runloop.api.devboxes
          .shutdown(created.id)
          .pipe(tap((view) => console.log(`api.devboxes.shutdown: ${view.status}`))),
      ).pipe(
        // Raw calls have no scoped form: on failure, shut the devbox down before passing the error on.
        catchError((err: unknown) =>
          concat(
            runloop.api.devboxes.shutdown(created.id),
            throwError(() => err),
          ),
        ),
      ),
    ),
    ignoreElements(),
  ),
);
