// Advanced configuration: timeout, retries, default headers, and a custom
// undici dispatcher (a ProxyAgent, used only when HTTPS_PROXY is set; the
// equivalent of the seed's custom httpx client). The key and base URL come
// from RUNLOOP_API_KEY / RUNLOOP_BASE_URL (or the embedded server). Options
// can also be set per call: signal, requestTimeoutMs, maxRetries, headers.
import { ProxyAgent } from 'undici';
import { concat, ignoreElements, switchMap, tap } from 'rxjs';
import { runExample, type ExampleClientOptions } from './support/runloop.js';

const proxy = process.env['HTTPS_PROXY'] ?? process.env['https_proxy'];

const options: ExampleClientOptions = {
  timeoutMs: 60_000, // 60 s until response headers (default 30 s)
  maxRetries: 3, // retry failed requests (default 5)
  defaultHeaders: { 'X-Custom-Header': 'value' },
  // Route every request (API and presigned object URLs) through a proxy.
  ...(proxy ? { dispatcher: new ProxyAgent(proxy) } : {}),
};

console.log(
  'client options:',
  JSON.stringify({ ...options, dispatcher: proxy ? `ProxyAgent(${proxy})` : '(default keep-alive Agent)' }),
);

runExample(
  'configuration',
  (runloop) =>
    concat(
      runloop.devbox
        .list(
          { status: 'running' },
          { requestTimeoutMs: 5_000, maxRetries: 0, headers: { 'X-Request-Source': 'configuration-example' } },
        )
        .pipe(
          ignoreElements(),
          tap({
            complete: () =>
              console.log(
                'listed devboxes with per-call options: requestTimeoutMs 5000, maxRetries 0, an extra header',
              ),
          }),
        ),
      runloop.devbox
        .use(
          { name: 'configured' },
          (devbox) =>
            devbox.cmd
              .exec('echo configured', { signal: AbortSignal.timeout(30_000) })
              .pipe(switchMap((result) => result.stdout())),
          { pollingConfig: { timeoutMs: 120_000 } },
        )
        .pipe(tap((out) => console.log('exec with an AbortSignal deadline:', out.trimEnd()))),
    ),
  options,
);
