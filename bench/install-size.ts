/**
 * `npm run bench -- install` (or `tsx bench/install-size.ts [SDK.tgz]`):
 * what a new user pays to install each package (issue 14). Packs runloop-rx
 * and runloop-local, installs each into an empty temp project with a cold,
 * private npm cache (`--cache <fresh dir>`: never `npm cache clean`, the
 * machine's cache is shared), and prints install seconds, size on disk,
 * package count, the packages with install scripts, and `npm ls --omit=dev`.
 * Given a tarball, measures only that one as the SDK (the "before" number).
 *
 * runloop-local is installed together with the runloop-rx tarball, since
 * runloop-rx is not on the registry from this repo.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');

/**
 * One install, measured.
 *
 * @example
 * printInstall(await measureInstall('runloop-rx', ['/tmp/runloop-rx-0.1.0.tgz']));
 */
export interface InstallReport {
  readonly label: string;
  readonly seconds: number;
  readonly bytes: number;
  readonly packages: number;
  /** Installed packages npm marks `hasInstallScript` (install scripts or node-gyp builds). */
  readonly installScripts: readonly string[];
  readonly npmLs: string;
}

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, maxBuffer: 64 << 20 });
  return stdout;
}

/**
 * Packs the workspace package `workspace` (or the root, when undefined) into `dir`.
 *
 * @example
 * const sdk = await pack(undefined, '/tmp/packs');
 */
export async function pack(workspace: string | undefined, dir: string): Promise<string> {
  const args = ['pack', '--pack-destination', dir, '--json', ...(workspace ? ['-w', workspace] : [])];
  const [packed] = JSON.parse(await npm(args, ROOT)) as { filename: string }[];
  return join(dir, (packed as { filename: string }).filename);
}

/**
 * Installs `tarballs` into a fresh empty project with a fresh npm cache and measures it.
 *
 * @example
 * const report = await measureInstall('runloop-rx', [sdkTarball]);
 */
export async function measureInstall(label: string, tarballs: readonly string[]): Promise<InstallReport> {
  const project = await mkdtemp(join(tmpdir(), 'install-size-'));
  const cache = await mkdtemp(join(tmpdir(), 'install-size-cache-'));
  try {
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true, type: 'module' }),
    );
    const started = performance.now();
    await npm(['install', '--cache', cache, '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], project);
    const seconds = (performance.now() - started) / 1000;
    const { stdout: du } = await run('du', ['-sb', 'node_modules'], { cwd: project });
    const lock = JSON.parse(await readFile(join(project, 'node_modules/.package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    const entries = Object.entries(lock.packages);
    const npmLs = await npm(['ls', '--omit=dev'], project).catch(
      (err: { stdout?: string }) => err.stdout ?? String(err as unknown),
    );
    return {
      label,
      seconds,
      bytes: Number(du.split('\t')[0]),
      packages: entries.length,
      installScripts: entries
        .filter(([, p]) => p.hasInstallScript)
        .map(([path]) => path.replace(/^.*node_modules\//, '')),
      npmLs: npmLs.trim(),
    };
  } finally {
    await rm(project, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
}

/**
 * Prints one report as a few plain lines.
 *
 * @example
 * printInstall(report);
 */
export function printInstall(r: InstallReport): void {
  console.log(
    `${r.label}: ${r.seconds.toFixed(1)} s, ${(r.bytes / 1e6).toFixed(1)} MB on disk, ${r.packages} packages`,
  );
  console.log(`  install scripts: ${r.installScripts.length === 0 ? 'none' : r.installScripts.join(', ')}`);
  console.log(`  npm ls --omit=dev:\n${r.npmLs.replace(/^/gm, '    ')}`);
}

/**
 * The bench case: packs both packages and measures both installs.
 *
 * @example
 * await benchInstall();
 */
export async function benchInstall(sdkTarball?: string): Promise<void> {
  if (sdkTarball) return printInstall(await measureInstall(`runloop-rx (${sdkTarball})`, [resolve(sdkTarball)]));
  const packs = await mkdtemp(join(tmpdir(), 'install-size-packs-'));
  try {
    const sdk = await pack(undefined, packs);
    const local = await pack('runloop-local', packs);
    console.log(`packed: ${(await readdir(packs)).join(', ')}`);
    printInstall(await measureInstall('runloop-rx alone', [sdk]));
    printInstall(await measureInstall('runloop-local (+ runloop-rx tarball)', [local, sdk]));
  } finally {
    await rm(packs, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'install-size.ts')) {
  await benchInstall(process.argv[2]);
}
