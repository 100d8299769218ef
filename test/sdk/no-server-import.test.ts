import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))),
  );
  return nested.flat();
}

describe('importing the SDK never loads server code', () => {
  it('no value import of src/local from the SDK, testing helpers, or the package entry', async () => {
    const root = join(import.meta.dirname, '../../src');
    const files = [...(await sourceFiles(join(root, 'sdk'))), ...(await sourceFiles(join(root, 'testing'))), join(root, 'index.ts')];
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+'([^']*\/local\/[^']*)'/gm)) {
        offenders.push(`${file}: ${match[2]}`);
      }
    }
    expect(files.length).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });
});
