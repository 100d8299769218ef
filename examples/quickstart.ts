// Quickstart (`npm start`): the seed doc's first example in RxJS. A scoped
// devbox runs a command and streams `ls -la` line by line, a blueprint is
// built from a Dockerfile and a devbox started from it, and a storage object
// is uploaded from text and read back. Every devbox is shut down before the
// script ends; the blueprint and the object are deleted again.
import { EMPTY, concat, concatWith, defer, ignoreElements, map, switchMap, tap } from 'rxjs';
import type { CoreClient } from '../src/core/caller.js';
import type { RunloopSDK } from '../src/index.js';
import { runExample, usesRemoteServer } from './support/runloop.js';

const step = <T>(title: string) => tap<T>({ subscribe: () => console.log(`\n== ${title}`) });

/** `with runloop.devbox.create(...) as devbox:` ⇒ `runloop.devbox.use(params, devbox => ...)`. */
const helloDevbox = (runloop: RunloopSDK) =>
  runloop.devbox.use({ name: 'my-devbox' }, (devbox) =>
    concat(
      devbox.cmd.exec("echo 'Hello from Runloop!'").pipe(
        switchMap((result) => result.stdout()),
        tap((stdout) => console.log(stdout.trimEnd())),
        step(`devbox ${devbox.id} is running; exec echo`),
      ),
      // Output is data: tagged lines as they arrive, then one exit event.
      devbox.cmd.stream('ls -la').pipe(
        step('stream `ls -la` line by line'),
        tap((event) => {
          if (event.stream === 'exit') console.log(`(exit code ${event.exitCode})`);
          else console.log(`${event.stream}:`, event.line);
        }),
        ignoreElements(),
      ),
    ),
  );

const blueprintDevbox = (runloop: RunloopSDK) =>
  runloop.blueprint
    .create({
      name: 'my-blueprint',
      dockerfile: "FROM runloop:runloop/starter-x86_64\nRUN echo 'Hello' > /hello.txt\n",
    })
    .pipe(
      step('build a blueprint from a Dockerfile'),
      tap((blueprint) => console.log(`blueprint ${blueprint.id} built`)),
      switchMap((blueprint) =>
        runloop.devbox
          .use({ name: 'dev-from-blueprint', blueprintId: blueprint.id }, (devbox) =>
            devbox.cmd.exec('cat /hello.txt').pipe(switchMap((result) => result.stdout())),
          )
          .pipe(
            tap((text) => console.log(`devbox from blueprint reads /hello.txt: ${text.trimEnd()}`)),
            concatWith(blueprint.delete().pipe(ignoreElements())),
          ),
      ),
    );

const greetingObject = (runloop: RunloopSDK) =>
  runloop.storageObject.uploadFromText('Hello world!', 'greeting.txt').pipe(
    step('upload a storage object from text and download it'),
    switchMap((object) =>
      object.downloadAsText().pipe(
        map((text) => `object ${object.id} holds: ${text}`),
        concatWith(object.delete().pipe(ignoreElements())),
      ),
    ),
    tap((line) => console.log(line)),
  );

/** The embedded runloop-local's dashboard (live devbox cards, exec console) with its token, as Jupyter prints its URL. */
const printDashboardUrl = (runloop: RunloopSDK) =>
  defer(() => {
    const token = (runloop.api.caller as Partial<CoreClient>).config?.bearerToken;
    if (!usesRemoteServer() && token !== undefined)
      console.log(`Dashboard (open it while this runs): ${runloop.baseURL}/?token=${token}`);
    return EMPTY;
  });

runExample('quickstart', (runloop) =>
  concat(printDashboardUrl(runloop), helloDevbox(runloop), blueprintDevbox(runloop), greetingObject(runloop)),
);
