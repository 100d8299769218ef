import { describe, expect, it } from 'vitest';
import { findExportsWithoutExample } from './jsdoc-audit.js';

describe('public documentation', () => {
  it('gives every export under src/ and local/src/ a JSDoc @example', () => {
    const missing = [...findExportsWithoutExample('src'), ...findExportsWithoutExample('local/src')].map(
      (m) => `${m.file}:${m.line} ${m.name}`,
    );
    expect(missing).toEqual([]);
  });
});
