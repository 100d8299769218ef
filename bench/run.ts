/**
 * `npm run bench`: starts a real runloop-local, runs every case against it
 * (SDK and raw HTTP side by side), prints one table, writes it with the
 * machine and the date to bench/RESULTS.md, and cleans up. It reports; it
 * never fails on a missed target.
 * Run one case: `npm run bench -- exec` (exec, exec-server, streaming, sse-pipeline, transfer, files, fleet, isolation, waits).
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
import { closeContext, createContext, type BenchCase } from './support/context.js';
import { startBenchServer } from './support/server.js';
import { writeResults } from './support/results-file.js';
import { printTable, type ResultRow } from './support/stats.js';

const CASES: Record<string, BenchCase> = {
  exec: benchExec,
  'exec-server': benchExecServer,
  streaming: benchStreaming,
  'sse-pipeline': benchSsePipeline,
  transfer: benchTransfer,
  files: benchFileTransfer,
  fleet: benchFleet,
  isolation: benchIsolation,
  waits: benchWaits,
  bundle: (await import('./bundle.js')).benchBundle,
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
        console.log('failed');
        rows.push({ benchmark: `${name}: ERROR ${String(err).slice(0, 120)}`, sdk: '-', raw: '-', ratio: '-', target: '-', verdict: 'ERROR' });
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
