/**
 * `npm run bench`: starts a real runloop-local, runs every case against it
 * (runloop-rx and the official `@runloop/api-client` side by side, rounds
 * interleaved, with the machine's own floor measured in the same run), prints
 * one table, writes it with the machine and the date to bench/RESULTS.md, and
 * cleans up. It reports; it never fails on a missed target.
 * Run some cases: `npm run bench -- exec objects` (names: the keys of CASES below).
 * `npm run bench -- install` measures installing the packed packages instead
 * (no server; see install-size.ts); it runs only when named.
 */
import { cpus } from 'node:os';
import { benchExec } from './exec.js';
import { benchExecServer } from './exec-server.js';
import { benchFileTransfer } from './file-transfer.js';
import { benchFleet } from './fleet.js';
import { benchIsolation } from './isolation.js';
import { benchInstall } from './install-size.js';
import { benchSsePipeline } from './sse-pipeline.js';
import { benchStreaming } from './streaming.js';
import { benchTransfer } from './transfer.js';
import { benchWaits } from './waits.js';
import { benchObjects } from './objects.js';
import { benchLifecycle } from './lifecycle.js';
import { benchBlueprint } from './blueprint.js';
import { benchSnapshot } from './snapshot.js';
import { benchScale } from './scale.js';
import { closeContext, createContext, type BenchCase } from './support/context.js';
import { startBenchServer } from './support/server.js';
import { writeResults } from './support/results-file.js';
import { infoRow, printTable, type ResultRow } from './support/stats.js';

const CASES: Record<string, BenchCase> = {
  exec: benchExec,
  'exec-server': benchExecServer,
  streaming: benchStreaming,
  'sse-pipeline': benchSsePipeline,
  objects: benchObjects,
  transfer: benchTransfer,
  files: benchFileTransfer,
  waits: benchWaits,
  lifecycle: benchLifecycle,
  blueprint: benchBlueprint,
  snapshot: benchSnapshot,
  fleet: benchFleet,
  scale: benchScale,
  isolation: benchIsolation,
};

async function main(): Promise<void> {
  if (process.argv.slice(2).includes('install')) return benchInstall();
  const wanted = process.argv.slice(2).filter((name) => name in CASES);
  const selected = wanted.length > 0 ? wanted : Object.keys(CASES);
  console.log(`runloop-rx bench: ${cpus().length} cores, node ${process.version}; cases: ${selected.join(', ')}`);
  const server = await startBenchServer();
  console.log(server.banner);
  const ctx = createContext(server);
  const rows: ResultRow[] = [];
  let stopping: Promise<void> | undefined;
  const cleanUp = () => (stopping ??= closeContext(ctx).finally(() => server.stop()));
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  try {
    for (const name of selected) {
      const started = performance.now();
      process.stdout.write(`running ${name} … `);
      try {
        rows.push(...(await (CASES[name] as BenchCase)(ctx)));
        console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (err) {
        console.log(`failed: ${String(err)}`);
        rows.push(infoRow(`${name}: ERROR ${String(err).slice(0, 160)}`, '-', { verdict: 'ERROR' }));
      }
    }
  } finally {
    await cleanUp();
  }
  console.log('');
  printTable(rows);
  const results = new URL('./RESULTS.md', import.meta.url);
  await writeResults(results, rows, selected);
  console.log(`\nwritten to ${results.pathname}`);
}

await main();
// The official client's HTTP/2 sessions would keep the process alive; the bench is done.
process.exit(0);
