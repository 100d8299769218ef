import { describe, expect, it } from 'vitest';
import { createIgnoreMatcher, parseIgnoreFile } from '../../src/sdk/internal/ignore-matcher.js';

describe('parseIgnoreFile', () => {
  it('splits on \\n and \\r\\n, trims, drops blanks and comments', () => {
    expect(parseIgnoreFile('  a  \r\n# c\n\n  #x\nb/\n')).toEqual(['a', 'b/']);
  });
});

describe('createIgnoreMatcher', () => {
  it('matches whole anchored paths with * and ?', () => {
    const ignored = createIgnoreMatcher(['*.log', 'a?c']);
    expect(ignored('x.log')).toBe(true);
    expect(ignored('dir/x.log')).toBe(false); // * does not cross /
    expect(ignored('abc')).toBe(true);
    expect(ignored('a/c')).toBe(false); // ? is not /
    expect(ignored('x.logs')).toBe(false);
  });

  it('treats **/ as zero or more directories and other ** as anything', () => {
    const ignored = createIgnoreMatcher(['**/*.tmp', 'cache**']);
    expect(ignored('a.tmp')).toBe(true);
    expect(ignored('a/b/c.tmp')).toBe(true);
    expect(ignored('cache')).toBe(true);
    expect(ignored('cache-x/y/z')).toBe(true);
    expect(ignored('x/cache')).toBe(false);
  });

  it('normalises leading / and ./, trailing /, and backslashes', () => {
    const ignored = createIgnoreMatcher(['/build/', './dist', 'a\\b']);
    expect(ignored('build')).toBe(true);
    expect(ignored('dist')).toBe(true);
    expect(ignored('a/b')).toBe(true);
  });

  it('matches a path when a parent directory matches', () => {
    const ignored = createIgnoreMatcher(['node_modules']);
    expect(ignored('node_modules/x/y.js')).toBe(true);
    expect(ignored('src/node_modules')).toBe(false);
  });

  it('lets the last match win and tests exceptions only while excluded', () => {
    const ignored = createIgnoreMatcher(['*.md', '!README.md', 'README.md', '!*']);
    // every path that got excluded is re-included by the final `!*`
    expect(ignored('README.md')).toBe(false);
    const second = createIgnoreMatcher(['*.md', '!README.md']);
    expect(second('README.md')).toBe(false);
    expect(second('CHANGES.md')).toBe(true);
    const third = createIgnoreMatcher(['!keep.txt', 'keep.txt']);
    expect(third('keep.txt')).toBe(true); // an exception before any exclusion does nothing
  });

  it('supports character classes, including [!x]', () => {
    const ignored = createIgnoreMatcher(['file[0-9].txt', 'x[!a].y']);
    expect(ignored('file7.txt')).toBe(true);
    expect(ignored('filea.txt')).toBe(false);
    expect(ignored('xb.y')).toBe(true);
    expect(ignored('xa.y')).toBe(false);
  });

  it('escapes regex metacharacters and ignores empty patterns', () => {
    const ignored = createIgnoreMatcher(['a+b(c).txt', '/', '!']);
    expect(ignored('a+b(c).txt')).toBe(true);
    expect(ignored('aab(c).txt')).toBe(false);
    expect(ignored('anything')).toBe(false);
  });

  it('survives an invalid class by matching nothing', () => {
    const ignored = createIgnoreMatcher(['[z-a]', 'ok']);
    expect(ignored('z')).toBe(false);
    expect(ignored('ok')).toBe(true);
  });
});
