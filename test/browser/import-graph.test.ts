import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserBundleText, nodeOnlyImports } from './support/browser-graph.js';

const fromRoot = (path: string): string => new URL(`../../${path}`, import.meta.url).pathname;

describe('the browser entry', () => {
  it('reaches no Node built-in and no undici (the way a browser bundler resolves it)', async () => {
    const found = await nodeOnlyImports(fromRoot('src/browser/index.ts'));
    expect(found.map((f) => `${f.importer.replace(fromRoot(''), '')} imports ${f.specifier}`)).toEqual([]);
  });

  it('uses no Node global unguarded: Buffer only through bytes.ts, process only in the teardown default the browser replaces', async () => {
    const text = await browserBundleText(fromRoot('src/browser/index.ts'));
    const lines = text.split('\n').filter((line) => !line.trim().startsWith('//'));
    // `nodeBuffer.Buffer` (bytes.ts, looked up through process.getBuiltinModule) is the guarded way.
    expect(lines.filter((line) => /(?<![.\w])Buffer\./.test(line))).toEqual([]);
    expect(lines.filter((line) => /(?<![.\w?])process\./.test(line))).toEqual([
      expect.stringContaining('process.emitWarning'),
    ]);
  });

  it('the walker does find them where they are: the Node entry imports undici and node: built-ins', async () => {
    const found = await nodeOnlyImports(fromRoot('src/index.ts'));
    const specifiers = new Set(found.map((f) => f.specifier));
    expect(specifiers.has('undici')).toBe(true);
    expect([...specifiers].some((s) => s.startsWith('node:'))).toBe(true);
  });

  it('is what package.json serves under the "browser" condition; Node keeps the undici entry', () => {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as {
      exports: Record<string, Record<string, unknown>>;
    };
    const root = pkg.exports['.'] ?? {};
    // Conditions are matched in key order: "browser" must come before "default" (and "types").
    expect(Object.keys(root)[0]).toBe('browser');
    expect(root['browser']).toEqual({ types: './dist/browser/index.d.ts', default: './dist/browser/index.js' });
    expect(root['default']).toBe('./dist/index.js');
    expect(pkg.exports['./browser']).toEqual({
      types: './dist/browser/index.d.ts',
      default: './dist/browser/index.js',
    });
  });
});
