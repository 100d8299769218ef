import { describe, expect, it } from 'vitest';
import { inferContentType } from '../../src/sdk/internal/content-type.js';

describe('inferContentType', () => {
  it.each([
    ['notes.txt', 'text'],
    ['a/b/index.HTML', 'text'],
    ['style.css', 'text'],
    ['app.js', 'text'],
    ['data.json', 'text'],
    ['feed.xml', 'text'],
    ['c.yaml', 'text'],
    ['c.yml', 'text'],
    ['README.md', 'text'],
    ['report.csv', 'text'],
    ['project.tar.gz', 'tgz'],
    ['project.TGZ', 'tgz'],
    ['blob.gz', 'gzip'],
    ['root.tar', 'tar'],
    ['image.png', 'unspecified'],
    ['Makefile', 'unspecified'],
    ['.txt', 'unspecified'],
    ['dir.txt/file', 'unspecified'],
    ['C:\\data\\x.csv', 'text'],
  ])('%s ⇒ %s', (name, expected) => {
    expect(inferContentType(name)).toBe(expected);
  });
});
