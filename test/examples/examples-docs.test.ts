/**
 * The examples are documentation: each file opens with a comment saying what
 * it shows, and whatever it exports (the support helpers) has JSDoc with an
 * @example, like src/ (test/meta/jsdoc.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExportsWithoutExample } from '../meta/jsdoc-audit.js';

function exampleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return exampleFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The leading comment (line or block) of `text`, without its markers; '' when the file starts with code. */
function leadingComment(text: string): string {
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  if (block) return (block[1] ?? '').replace(/^\s*\* ?/gm, '').trim();
  const lines = /^(?:\s*\/\/.*\n)+/.exec(text);
  return lines ? lines[0].replace(/^\s*\/\/ ?/gm, '').trim() : '';
}

describe('examples as documentation', () => {
  const files = exampleFiles('examples');

  it('finds the example scripts and their support helpers', () => {
    expect(files).toContain(join('examples', 'network.ts'));
    expect(files).toContain(join('examples', 'support', 'runloop.ts'));
  });

  it('opens every example file with a comment of at least a sentence', () => {
    const bare = files.filter((file) => leadingComment(readFileSync(file, 'utf8')).split(/\s+/).length < 6);
    expect(bare).toEqual([]);
  });

  it('gives every export under examples/ a JSDoc @example', () => {
    const missing = findExportsWithoutExample('examples').map((m) => `${m.file}:${m.line} ${m.name}`);
    expect(missing).toEqual([]);
  });
});
