/**
 * The dashboard's static files: `index.html`, `app.css` and `app.js` (the
 * page bundled with esbuild, runloop-rx's browser entry and rxjs inside).
 *
 * A built runloop-local ships them prebuilt in `dist/dashboard/public`
 * (`build.ts`, run by the package build). Run from source (`npm start` runs
 * through tsx) there is no prebuilt bundle, so the page is bundled in memory
 * with esbuild on the first request, once per process.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleDashboard } from './bundle.js';

/**
 * One static file, ready to send.
 *
 * @example
 * const asset: DashboardAsset = { contentType: 'text/css; charset=utf-8', body: Buffer.from('body{}') };
 */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The files by name (`index.html`, `app.css`, `app.js`). @example (await dashboardAssets()).get('app.css') */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PUBLIC_DIR = `${HERE}public/`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

async function load(): Promise<DashboardAssets> {
  const built = existsSync(`${PUBLIC_DIR}app.js`);
  const [html, css, js] = await Promise.all([
    readFile(`${PUBLIC_DIR}index.html`),
    readFile(`${PUBLIC_DIR}app.css`),
    built ? readFile(`${PUBLIC_DIR}app.js`) : bundleDashboard().then((text) => Buffer.from(text)),
  ]);
  const entry = (name: string, body: Buffer): [string, DashboardAsset] => [
    name,
    { contentType: CONTENT_TYPES[name] ?? 'application/octet-stream', body },
  ];
  return new Map([entry('index.html', html), entry('app.css', css), entry('app.js', js)]);
}

let loading: Promise<DashboardAssets> | undefined;

/**
 * The dashboard's files, loaded (or bundled) on the first call and kept for
 * the process; a failed load is retried on the next call.
 *
 * @example
 * const assets = await dashboardAssets(); assets.get('app.js')?.body.length;
 */
export function dashboardAssets(): Promise<DashboardAssets> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
