/**
 * Bundles the dashboard page (`app/main.ts`) for browsers with esbuild: one
 * minified ES module, `runloop-rx` resolved to its browser entry, rxjs inside.
 * esbuild is a build tool (a devDependency): only a source checkout bundles
 * at run time; a built package ships the result (see assets.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The page's source: next to this file from source, or back in src/ when this runs built (dist/dashboard). */
const APP_ENTRY = [`${HERE}app/main.ts`, `${HERE}../../src/dashboard/app/main.ts`].find((path) => existsSync(path));
/** The SDK's browser entry in this repository, when running from source. */
const SDK_BROWSER_ENTRY = fileURLToPath(new URL('../../../src/browser/index.ts', import.meta.url));

/**
 * The page's script as text.
 *
 * @example
 * const js = await bundleDashboard(); // 'var …'
 */
export async function bundleDashboard(): Promise<string> {
  if (APP_ENTRY === undefined) throw new Error('the dashboard page source (src/dashboard/app) is not here to bundle');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [APP_ENTRY],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'silent',
    // From source, the SDK is this repository's own; built, it is the installed runloop-rx's browser entry.
    ...(existsSync(SDK_BROWSER_ENTRY) ? { alias: { 'runloop-rx/browser': SDK_BROWSER_ENTRY } } : {}),
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no dashboard bundle');
  return file.text;
}
