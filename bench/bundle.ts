/**
 * `npm run bench -- bundle`: what runloop-rx costs a web page. Bundles the
 * browser entry (`src/browser/index.ts`, what the `"browser"` export
 * condition serves) with esbuild for browsers, minified, rxjs left out (the
 * page has its own), and reports min and min+gzip sizes against the budget;
 * also the dashboard page of runloop-local (rxjs included), for scale.
 * Needs no server; the context is unused.
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { bundleDashboard } from '../local/src/dashboard/bundle.js';
import type { BenchCase } from './support/context.js';
import { fmt, infoRow, type ResultRow } from './support/stats.js';

/** The SDK's browser budget, min+gzip, rxjs excluded. */
const BUDGET_KB = 40;

async function sdkBundle(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('../src/browser/index.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['rxjs'],
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

const kb = (bytes: number): number => bytes / 1024;

/**
 * The bundle-size case.
 *
 * @example
 * const rows = await benchBundle(ctx);
 */
export const benchBundle: BenchCase = async () => {
  const sdk = await sdkBundle();
  const sdkGzip = gzipSync(sdk, { level: 9 }).byteLength;
  const page = await bundleDashboard();
  const pageGzip = gzipSync(page, { level: 9 }).byteLength;
  const sdkKb = kb(sdkGzip);
  const rows: ResultRow[] = [
    infoRow('bundle: browser SDK, min, KB (rxjs excluded)', fmt(kb(Buffer.byteLength(sdk)), 1)),
    infoRow('bundle: browser SDK, min+gzip, KB (rxjs excluded)', fmt(sdkKb, 1), {
      target: `< ${BUDGET_KB} KB`,
      verdict: sdkKb < BUDGET_KB ? 'met' : 'MISSED',
    }),
    infoRow('bundle: dashboard page, min+gzip, KB (rxjs included)', fmt(kb(pageGzip), 1)),
  ];
  return rows;
};
