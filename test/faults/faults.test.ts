/**
 * The SDK loses nothing on a bad network (issue 9): seeded runs of real work
 * against a real runloop-local, through a proxy that resets connections at
 * random points (mid-upload, mid-SSE, mid-download), delays past the
 * client's timeout, truncates bodies and answers 429/503 with Retry-After.
 *
 * Replay a failure with `FAULT_SEED=<seed printed in the failure>` (the
 * run's seed is the base seed plus its index; index mod 4 picks the
 * scenario); change the number of runs with `FAULT_RUNS` (20 in CI, never
 * fewer; 8 locally). `FAULT_TRACE=1` prints every attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastValueFrom, tap } from 'rxjs';
import { RunloopSDK, type Devbox, type HttpInterceptor } from '../../src/index.js';
import { startTestServer, type TestServer } from '../support/local-server.js';
import { FAULT_KINDS, seededRandom, startFaultProxy, type FaultKind } from './fault-proxy.js';
import {
  execNumberedLines,
  fileAndObjectRoundTrip,
  newTally,
  snapshotChain,
  tenInParallel,
  type Tally,
} from './scenarios.js';

/** Issue 9 asks for 20 seeded runs: CI never runs fewer. */
const REQUIRED_RUNS = 20;
/** Locally (a shared 2-core machine) two runs of each scenario, unless FAULT_RUNS says otherwise. */
const LOCAL_RUNS = 8;
const RUNS = Math.max(
  process.env['CI'] ? REQUIRED_RUNS : 1,
  Number(process.env['FAULT_RUNS'] ?? (process.env['CI'] ? REQUIRED_RUNS : LOCAL_RUNS)),
);
const BASE_SEED = Number(process.env['FAULT_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
/** Runs at a time: each has its own proxy and SDK. */
const CONCURRENCY = 5;
/**
 * The SDK's per-request header timeout in these runs; the proxy's delay goes
 * past it. Not much shorter: on a loaded 2-core machine the server itself
 * may take seconds to store an upload, and each spurious timeout spends a retry.
 */
const TIMEOUT_MS = 5_000;
const FAULT_RATE = 0.12;
/** Output streams are few requests with long bodies: fault them more often, to cut them mid-SSE. */
const STREAM_FAULT_RATE = 0.6;

const SCENARIOS = [
  'exec 10,000 lines',
  'file + object round trip',
  'create → exec → snapshot → devbox from snapshot',
  '10 devboxes in parallel',
] as const;
type Scenario = (typeof SCENARIOS)[number];

let server: TestServer;
let direct: RunloopSDK;
let shared: Devbox;
const tally: Tally = newTally();
const injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
let cleanRequests = 0;
const runsByScenario = new Map<Scenario, number>();

beforeAll(async () => {
  server = await startTestServer();
  direct = new RunloopSDK({ baseURL: server.url, bearerToken: server.token });
  shared = await lastValueFrom(direct.devbox.create({ name: 'faults-shared' }));
  process.stdout.write(
    `fault suite: base seed ${BASE_SEED}, ${RUNS} runs (replay one with FAULT_SEED=<seed> FAULT_RUNS=1)\n`,
  );
}, 120_000);

afterAll(async () => {
  const faults = FAULT_KINDS.map((k) => `${k}=${injected[k]}`).join(' ');
  const total = FAULT_KINDS.reduce((n, k) => n + injected[k], 0);
  const byScenario = SCENARIOS.map((s) => `${s}: ${runsByScenario.get(s) ?? 0}`).join('; ');
  process.stdout.write(
    `fault suite summary: runs=${tally.runs} (${byScenario}); faults injected=${total} (${faults}); clean requests=${cleanRequests}; ` +
      `lines checked=${tally.linesChecked}; bytes checked=${tally.bytesChecked}; resources counted=${tally.resourcesCounted}; duplicates=${tally.duplicates}\n`,
  );
  if (shared) await lastValueFrom(shared.shutdown()).catch(() => undefined);
  await direct?.close();
  await server?.dispose();
}, 120_000);

/** One seeded run: a proxy with its own seed, an SDK through it, and the scenario for this run. */
async function run(index: number): Promise<void> {
  const seed = BASE_SEED + index;
  const scenario = SCENARIOS[index % SCENARIOS.length] as Scenario;
  const proxy = await startFaultProxy({
    target: server.url,
    seed,
    rate: (_method, path) => (/\/stream_(stdout|stderr)_updates$/.test(path) ? STREAM_FAULT_RATE : FAULT_RATE),
    delayMs: TIMEOUT_MS + 500,
  });
  // Presigned object URLs name the server itself; send them through the proxy too.
  const viaProxy: HttpInterceptor = (req, next) =>
    next(req.url.startsWith(server.url) ? { ...req, url: proxy.url + req.url.slice(server.url.length) } : req);
  // Every attempt, printed on failure (and as it happens with FAULT_TRACE=1).
  const attempts: string[] = [];
  const note = (line: string): void => {
    attempts.push(line);
    if (process.env['FAULT_TRACE']) process.stdout.write(`${line}\n`);
  };
  const trace: HttpInterceptor = (req, next) => {
    const t0 = Date.now();
    const what = `seed=${seed} ${req.method} ${new URL(req.url).pathname} attempt=${req.headers['x-stainless-retry-count'] ?? '?'} ${req.headers['range'] ?? ''}`;
    return next(req).pipe(
      tap({
        next: (res) => note(`${what} → ${res.status} ${Date.now() - t0} ms`),
        error: (e: Error) => note(`${what} ✗ ${e.name} ${Date.now() - t0} ms`),
      }),
    );
  };
  const interceptors = [viaProxy, trace];
  const sdk = new RunloopSDK({
    baseURL: proxy.url,
    bearerToken: server.token,
    timeoutMs: TIMEOUT_MS,
    maxRetries: 6,
    interceptors,
  });
  const random = seededRandom(seed ^ 0x5eed);
  const tag = `s${seed}`;
  const started = Date.now();
  try {
    switch (scenario) {
      case 'exec 10,000 lines':
        await execNumberedLines(sdk.devbox.attach(shared.id), tally);
        break;
      case 'file + object round trip':
        await fileAndObjectRoundTrip(sdk, server, sdk.devbox.attach(shared.id), random, tally, tag);
        break;
      case 'create → exec → snapshot → devbox from snapshot':
        await snapshotChain(sdk, server, tally, tag);
        break;
      case '10 devboxes in parallel':
        await tenInParallel(sdk, server, tally, tag);
        break;
    }
    tally.runs += 1;
    const faults = FAULT_KINDS.reduce((n, k) => n + proxy.injected[k], 0);
    process.stdout.write(
      `fault run seed=${seed} "${scenario}": ok in ${Date.now() - started} ms, ${faults} faults, ${proxy.clean()} clean requests\n`,
    );
    runsByScenario.set(scenario, (runsByScenario.get(scenario) ?? 0) + 1);
  } catch (error) {
    const faults = FAULT_KINDS.filter((k) => proxy.injected[k] > 0)
      .map((k) => `${k}=${proxy.injected[k]}`)
      .join(' ');
    const log = attempts.slice(-40).join('\n');
    throw new Error(
      `fault run failed: seed=${seed} scenario="${scenario}" faults: ${faults || 'none'}\nlast attempts:\n${log}\n${String((error as Error)?.stack ?? error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await sdk.close();
    await proxy.stop();
    for (const k of FAULT_KINDS) injected[k] += proxy.injected[k];
    cleanRequests += proxy.clean();
  }
}

describe('the SDK through a faulty network', () => {
  it(`${RUNS} seeded runs: nothing lost, nothing duplicated`, async () => {
    const failures: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < RUNS) {
        const index = next++;
        await run(index).catch((error: unknown) => {
          failures.push(error);
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, RUNS) }, worker));
    if (failures.length > 0) throw failures[0];
    expect(tally.runs).toBe(RUNS);
    expect(tally.duplicates).toBe(0);
    // The runs must actually have been disturbed, or they prove nothing.
    expect(FAULT_KINDS.filter((k) => injected[k] > 0).length).toBeGreaterThanOrEqual(
      RUNS >= REQUIRED_RUNS ? FAULT_KINDS.length : 1,
    );
    expect(tally.linesChecked).toBe(runsByScenario.get('exec 10,000 lines')! * 20_000);
  }, 600_000);
});
