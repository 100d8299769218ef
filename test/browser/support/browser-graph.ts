/**
 * Walks a module's import graph the way a browser bundler does (esbuild,
 * `platform: 'browser'`, honouring `"browser"` conditions) and reports every
 * import that only Node can satisfy: `node:` built-ins, bare built-in names,
 * and undici. Each finding names the importing file, so a failure says where
 * the Node dependency came in.
 */
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';

export interface NodeOnlyImport {
  readonly importer: string;
  readonly specifier: string;
}

const NODE_ONLY = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`), 'undici']);

function isNodeOnly(specifier: string): boolean {
  return specifier.startsWith('node:') || NODE_ONLY.has(specifier) || specifier.startsWith('undici/');
}

/**
 * `entry` bundled for browsers (rxjs left out), as text: to look for Node
 * globals used without a guard (`Buffer.`, `process.`), which no import shows.
 */
export async function browserBundleText(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    external: ['rxjs'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Every Node-only import reachable from `entry` (runtime imports only: type imports are erased). */
export async function nodeOnlyImports(entry: string): Promise<NodeOnlyImport[]> {
  const found: NodeOnlyImport[] = [];
  const recorder: Plugin = {
    name: 'record-node-only',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isNodeOnly(args.path)) return undefined;
        found.push({ importer: args.importer, specifier: args.path });
        return { path: args.path, external: true };
      });
    },
  };
  await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    plugins: [recorder],
  });
  return found;
}
