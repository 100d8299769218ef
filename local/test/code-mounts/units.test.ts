/**
 * The pure parts of code mounts: settings (the git base URL) and the
 * create-time checks of a mount.
 */
import { describe, expect, it } from 'vitest';
import { codeMountSettings, codeRepoOf, repoUrl } from '../../src/code-mounts/index.js';
import { InvalidInputError } from '../../src/errors.js';

const mount = (extra: Record<string, unknown>) => ({
  type: 'code_mount' as const,
  repo_owner: 'me',
  repo_name: 'rx',
  ...extra,
});

describe('code mount settings', () => {
  it('defaults to GitHub, trims a trailing slash and refuses credentials, queries and other schemes', () => {
    expect(codeMountSettings().gitBaseUrl).toBe('https://github.com');
    expect(codeMountSettings({ gitBaseUrl: 'http://127.0.0.1:8080/git/' }).gitBaseUrl).toBe(
      'http://127.0.0.1:8080/git',
    );
    for (const gitBaseUrl of ['ftp://host', 'file:///srv/git', 'https://u:p@host', 'https://host/?x=1', 'not a url']) {
      expect(() => codeMountSettings({ gitBaseUrl }), gitBaseUrl).toThrow(/git base URL/);
    }
    expect(() => codeMountSettings({ maxBytes: 0 })).toThrow(/maxBytes/);
  });

  it('builds the clone URL under the base', () => {
    expect(repoUrl('http://127.0.0.1:8080/git', { owner: 'me', name: 'rx.js' })).toBe(
      'http://127.0.0.1:8080/git/me/rx.js.git',
    );
  });
});

describe('code mount checks', () => {
  it('accepts branches, tags, commits and nested refs, and puts the repo under the home', () => {
    for (const git_ref of ['main', 'v1.2.3', 'feature/x-y', 'a'.repeat(40), 'release_2026']) {
      expect(codeRepoOf(mount({ git_ref }), 'mounts[0]').ref).toBe(git_ref);
    }
    expect(codeRepoOf(mount({}), 'mounts[0]').target).toBe('/home/user/rx');
    expect(codeRepoOf(mount({ repo_name: '.github' }), 'mounts[0]').target).toBe('/home/user/.github');
  });

  it('refuses what could become an option, a path outside the home or a header, naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ git_ref: '-c' }, 'git_ref'],
      [{ git_ref: 'a..b' }, 'git_ref'],
      [{ git_ref: 'a b' }, 'git_ref'],
      [{ git_ref: 'x.lock' }, 'git_ref'],
      [{ git_ref: '/x' }, 'git_ref'],
      [{ git_ref: 'x/' }, 'git_ref'],
      [{ git_ref: '' }, 'git_ref'],
      [{ repo_name: '..' }, 'repo_name'],
      [{ repo_name: 'a/b' }, 'repo_name'],
      [{ repo_owner: '../x' }, 'repo_owner'],
      [{ token: 'a\nb' }, 'token'],
      [{ token: '' }, 'token'],
      [{ install_command: 'a\u0000b' }, 'install_command'],
    ];
    for (const [extra, field] of cases) {
      let error: unknown;
      try {
        codeRepoOf(mount(extra), 'mounts[3]');
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(extra)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).field).toBe(`mounts[3].${field}`);
      expect(
        (error as InvalidInputError).message.startsWith(`mounts[3].${field}:`),
        (error as InvalidInputError).message,
      ).toBe(true);
    }
  });
});
