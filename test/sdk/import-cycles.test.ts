/**
 * The SDK's modules form no import cycle (value imports; type-only imports
 * are erased). A cycle makes load order matter: a class used before its
 * module finished loading is `undefined`.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(import.meta.dirname, '../../src');

function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\s+from\s+)?'(\.[^']+)'/gm)) {
    found.push(resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
  }
  return found;
}

/** The first cycle reachable from `entry`, as a list of files, or `undefined`. */
function firstCycle(entry: string): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const at = path.indexOf(file);
    if (at !== -1) return [...path.slice(at), file].map((f) => relative(SRC, f));
    if (done.has(file)) return undefined;
    path.push(file);
    for (const next of valueImports(file)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(file);
    return undefined;
  };
  return visit(join(SRC, entry));
}

describe('import cycles', () => {
  it.each(['index.ts', 'testing/index.ts'])('%s reaches no cycle', (entry) => {
    expect(firstCycle(entry)).toBeUndefined();
  });
});
