// Typed errors, checked with instanceof: NotFoundError (an unknown devbox),
// APIConnectionError (a closed port), RateLimitError (a server that always
// answers 429: retried with backoff, then surfaced), PollingTimeoutError (a
// wait with a deadline), and APIError as the catch-all with `status`.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Observable,
  catchError,
  concat,
  defer,
  finalize,
  ignoreElements,
  of,
  switchMap,
  take,
  tap,
  type ObservableInput,
} from 'rxjs';
import {
  APIConnectionError,
  APIError,
  NotFoundError,
  PollingTimeoutError,
  RateLimitError,
  RunloopSDK,
  type Devbox,
} from '../src/index.js';
import { runExample } from './support/runloop.js';

/** Prints what kind of error `err` is, the way an application would branch on it. */
function explain(err: unknown): ObservableInput<void> {
  if (err instanceof NotFoundError) console.log(`NotFoundError (status ${err.status}): ${err.message}`);
  else if (err instanceof APIConnectionError)
    console.log(
      `APIConnectionError: the server could not be reached (cause: ${String((err.cause as Error | undefined)?.message ?? err.cause)})`,
    );
  else if (err instanceof RateLimitError)
    console.log(`RateLimitError: a 429 status code was received (after retries); back off a bit`);
  else if (err instanceof PollingTimeoutError)
    console.log(
      `PollingTimeoutError after ${err.timeoutMs} ms; last state: ${JSON.stringify((err.lastValue as { status?: string } | undefined)?.status)}`,
    );
  else if (err instanceof APIError) console.log(`Another status code was received: ${err.status}`);
  else throw err;
  return of(undefined);
}

/** A loopback HTTP server for the lifetime of the subscription; emits its base URL once. */
function loopbackServer(handler: RequestListener): Observable<string> {
  return new Observable<string>((subscriber) => {
    const server = createServer(handler);
    server.once('error', (err) => subscriber.error(err));
    server.listen(0, '127.0.0.1', () => subscriber.next(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    return () => {
      server.closeAllConnections();
      server.close();
    };
  });
}

/** A base URL where nothing listens: a port bound and released again before it is emitted. */
const closedPortUrl$ = new Observable<string>((subscriber) => {
  const server = createServer();
  server.once('error', (err) => subscriber.error(err));
  server.listen(0, '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.close(() => {
      subscriber.next(url);
      subscriber.complete();
    });
  });
});

/** An SDK for `baseURL`, closed when the work ends. */
const clientFor = <T>(baseURL: string, maxRetries: number, work: (client: RunloopSDK) => Observable<T>) =>
  defer(() => {
    const client = new RunloopSDK({ baseURL, bearerToken: 'any', maxRetries });
    return work(client).pipe(finalize(() => void client.close()));
  });

const notFound = (runloop: RunloopSDK) =>
  runloop.devbox.attach('dbx_does_not_exist').getInfo().pipe(ignoreElements(), catchError(explain));

const connectionRefused = closedPortUrl$.pipe(
  switchMap((url) =>
    clientFor(url, 1, (client) => client.api.devboxes.list().pipe(ignoreElements(), catchError(explain))),
  ),
);

let rateLimitedRequests = 0;
const rateLimited = loopbackServer((req, res) => {
  rateLimitedRequests += 1;
  req.resume();
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '50' }).end('{"error":"rate_limited"}');
}).pipe(
  switchMap((url) =>
    clientFor(url, 2, (client) => client.api.devboxes.list().pipe(ignoreElements(), catchError(explain))),
  ),
  // explain() emits once: that ends the stream, and with it the server.
  take(1),
  tap(() =>
    console.log(`  (the SDK sent ${rateLimitedRequests} requests: the first + 2 retries, honouring retry-after-ms)`),
  ),
);

const pollingTimeout = (devbox: Devbox) =>
  devbox.cmd.execAsync('sleep 30').pipe(
    switchMap((execution) =>
      execution.result({ pollingConfig: { timeoutMs: 500 } }).pipe(
        ignoreElements(),
        catchError(explain),
        // Timing out a wait does not stop the command: kill it.
        (waited) => concat(waited, execution.kill().pipe(ignoreElements())),
      ),
    ),
  );

const invalidCommand = (devbox: Devbox) =>
  devbox.cmd.exec('invalid-command').pipe(
    // A failing command is not an exception: it is a result with an exit code.
    tap((result) =>
      console.log(`exec("invalid-command") completed with exit code ${result.exitCode} (failed=${result.failed})`),
    ),
    ignoreElements(),
  );

runExample('error-handling', (runloop) =>
  concat(
    notFound(runloop),
    connectionRefused,
    rateLimited,
    runloop.devbox.use({ name: 'example-devbox' }, (devbox) => concat(invalidCommand(devbox), pollingTimeout(devbox))),
  ),
);
