/**
 * The curated surface: the package entries export nothing from
 * `src/sdk/internal/` (whose files may change shape at any time), neither
 * directly nor through a public module that re-exports it. A textual check
 * of the `export … from` graph: cheap, and enough since every export of an
 * entry is such a re-export.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES = ['src/index.ts', 'src/testing/index.ts'];

/** The modules a file re-exports from (`export … from './x.js'`), as repository paths. */
function reExportsOf(file: string): string[] {
  const text = readFileSync(resolve(ROOT, file), 'utf8');
  return [...text.matchAll(/^export\s[^;]*?\sfrom\s+'(\.[^']+)'/gms)].map((m) =>
    resolve(dirname(resolve(ROOT, file)), (m[1] as string).replace(/\.js$/, '.ts')).slice(ROOT.length),
  );
}

describe('the public surface', () => {
  it('re-exports nothing from src/sdk/internal/, at any depth', () => {
    const seen = new Set<string>();
    const queue = [...ENTRIES];
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      if (seen.has(file)) continue;
      seen.add(file);
      queue.push(...reExportsOf(file).filter((target) => target.startsWith('src/')));
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter((file) => file.includes('/internal/'))).toEqual([]);
  });
});
