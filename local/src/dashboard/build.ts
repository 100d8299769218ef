/**
 * Build step (run by runloop-local's `npm run build`, after tsc): writes the
 * dashboard's static files into `dist/dashboard/public`, the bundle
 * included, so a built or installed runloop-local serves them as they are
 * and never needs esbuild at run time.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleDashboard } from './bundle.js';

const SOURCE_PUBLIC = fileURLToPath(new URL('../../src/dashboard/public/', import.meta.url));
const OUT_PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));

await mkdir(OUT_PUBLIC, { recursive: true });
await Promise.all(['index.html', 'app.css'].map((name) => copyFile(`${SOURCE_PUBLIC}${name}`, `${OUT_PUBLIC}${name}`)));
await writeFile(`${OUT_PUBLIC}app.js`, await bundleDashboard());
console.log(`dashboard written to ${OUT_PUBLIC}`);
