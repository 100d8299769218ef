/**
 * The package boundary of issue 14: the SDK (`runloop-rx`, everything under
 * src/) never imports the server package `runloop-local` or a server-only
 * dependency, except the one dynamic import of the optional peer in
 * src/sdk/local-loader.ts; and its package.json declares none of them.
 */
import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const SERVER_PACKAGES = ['runloop-local', 'better-sqlite3', 'ssh2', 'busboy', 'cpu-features'];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

/** Every module specifier in `text`: static import/export, `require(...)`, and literal dynamic `import(...)`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) found.push(m[1] as string);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1] as string);
  for (const m of text.matchAll(/\b(?:require|import)\(\s*(?:\/\*[^*]*\*\/\s*)?'([^']+)'\s*\)/g))
    found.push(m[1] as string);
  return found;
}

describe('importing the SDK never loads server code', () => {
  it('nothing under src/ imports runloop-local, a server dependency, or a file outside src/', async () => {
    const files = await sourceFiles(SRC);
    const offenders: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(await readFile(file, 'utf8'))) {
        const bare = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        const leavesSrc = spec.startsWith('.') && relative(SRC, join(file, '..', spec)).startsWith('..');
        if (SERVER_PACKAGES.includes(bare as string) || leavesSrc) offenders.push(`${relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(files.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });

  it("names 'runloop-local' as a module in one place only: the dynamic import of the loader", async () => {
    const naming: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      if (/=\s*'runloop-local'/.test(await readFile(file, 'utf8'))) naming.push(relative(ROOT, file));
    }
    expect(naming).toEqual(['src/sdk/local-loader.ts']);
    const loader = await readFile(join(SRC, 'sdk/local-loader.ts'), 'utf8');
    expect(loader.match(/\bimport\(/g)).toHaveLength(1);
  });

  it("runloop-rx's package.json: SDK dependencies only, runloop-local an optional peer, no install scripts", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['fp-ts', 'io-ts', 'tar-stream', 'undici']);
    expect(pkg.peerDependencies).toMatchObject({ rxjs: expect.any(String), 'runloop-local': expect.any(String) });
    expect(pkg.peerDependenciesMeta['runloop-local']).toEqual({ optional: true });
    expect(pkg.bin).toBeUndefined();
    // `prepare` too: npm 11 flags it as an install script. The build runs on `prepack` instead.
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(pkg.scripts[script]).toBeUndefined();
    const local = JSON.parse(await readFile(join(ROOT, 'local/package.json'), 'utf8'));
    expect(local.name).toBe('runloop-local');
    expect(Object.keys(local.dependencies)).toEqual(
      expect.arrayContaining(['runloop-rx', 'better-sqlite3', 'ssh2', 'busboy']),
    );
  });
});
