import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(import.meta.dirname, '../../src');

/** Every file and bare package reached by value imports (type-only imports are erased) from `entry`. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
      const spec = match[2] as string;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  };
  visit(join(SRC, entry));
  return { files: [...files].map((f) => relative(SRC, f)), packages: [...packages] };
}

describe('the import graph of the package entries', () => {
  it.each(['index.ts', 'testing/index.ts'])('%s reaches no server code and no server-only package', (entry) => {
    const { files, packages } = importGraph(entry);
    expect(files.length).toBeGreaterThan(20);
    expect(files.filter((f) => f.startsWith('..'))).toEqual([]);
    expect(packages.filter((p) => ['runloop-local', 'better-sqlite3', 'ssh2', 'busboy'].includes(p))).toEqual([]);
    expect(packages).toContain('rxjs');
  });
});
