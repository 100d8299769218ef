import { describe, expect, it } from 'vitest';
import { fileErrorCodeFromStderr } from '../../src/runtime/errors.js';

describe('fileErrorCodeFromStderr', () => {
  it('maps the messages of dash, cat and mkdir to errno-style codes', () => {
    const cases: Array<[string, string]> = [
      ['sh: 1: cannot open /home/user/a: No such file', 'ENOENT'],
      ['sh: 1: cannot create /home/user/gone/a: Directory nonexistent', 'ENOENT'],
      ["mkdir: cannot create directory '/home/user/plain': File exists", 'ENOTDIR'],
      ['sh: 1: cannot create /home/user: Is a directory', 'EISDIR'],
      ['cat: /home/user/f/x: Not a directory', 'ENOTDIR'],
      ["mkdir: cannot create directory '/etc/x': Permission denied", 'EACCES'],
      ['cat: write error: No space left on device', 'ENOSPC'],
      ['sh: 1: cannot create /x: File name too long', 'EINVAL'],
      ['something nobody expected', 'EIO'],
    ];
    expect(cases.map(([stderr]) => [stderr, fileErrorCodeFromStderr(stderr)])).toEqual(cases);
  });
});
