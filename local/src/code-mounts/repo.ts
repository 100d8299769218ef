/**
 * What a code mount asks for, checked at devbox create: repository names
 * that are one safe path component, a ref git cannot mistake for an option,
 * a token that cannot inject a header. Messages name the field, never the token.
 */
import { posix } from 'node:path';
import type { CodeMount } from 'runloop-rx/views';
import { clip } from '../http/clip.js';
import { InvalidInputError } from '../errors.js';

/**
 * A checked code mount.
 *
 * @example
 * const repo: CodeRepo = codeRepoOf(mount, 'mounts[0]');
 */
export interface CodeRepo {
  readonly owner: string;
  readonly name: string;
  readonly ref: string | null;
  readonly token: string | null;
  readonly installCommand: string | null;
  /** `/home/user/<name>`, where the official API puts it. */
  readonly target: string;
}

const OWNER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
// git check-ref-format's rules, plus: no leading '-' (an option), no ASCII control or space.
const REF_FORBIDDEN = /[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$|\/\./;
const MAX_TOKEN = 4096;
const MAX_COMMAND_BYTES = 128 * 1024 - 1;

function invalid(field: string, message: string): InvalidInputError {
  return new InvalidInputError(field, `${field}: ${message}`);
}

/**
 * Checks one code mount (`field` is its place in the request, e.g. `mounts[2]`).
 *
 * @example
 * codeRepoOf({ type: 'code_mount', repo_owner: 'me', repo_name: 'rx', git_ref: 'v1' }, 'mounts[0]').target; // '/home/user/rx'
 */
export function codeRepoOf(mount: CodeMount, field: string): CodeRepo {
  if (!OWNER.test(mount.repo_owner)) {
    throw invalid(
      `${field}.repo_owner`,
      `${JSON.stringify(clip(mount.repo_owner))} is not a repository owner (letters, digits, '.', '_', '-'; at most 100)`,
    );
  }
  if (!NAME.test(mount.repo_name) || mount.repo_name === '.' || mount.repo_name === '..') {
    throw invalid(
      `${field}.repo_name`,
      `${JSON.stringify(clip(mount.repo_name))} is not a repository name (letters, digits, '.', '_', '-'; at most 100)`,
    );
  }
  const ref = mount.git_ref ?? null;
  if (ref !== null && (ref === '' || ref.length > 256 || REF_FORBIDDEN.test(ref))) {
    throw invalid(`${field}.git_ref`, `${JSON.stringify(clip(ref))} is not a valid branch, tag or commit name`);
  }
  const token = mount.token ?? null;
  if (token !== null && (token === '' || token.length > MAX_TOKEN || /[\x00-\x1f\x7f]/.test(token))) {
    throw invalid(`${field}.token`, `must be 1 to ${MAX_TOKEN} printable characters`);
  }
  const installCommand = mount.install_command ?? null;
  if (
    installCommand !== null &&
    (installCommand.includes('\0') || Buffer.byteLength(installCommand) > MAX_COMMAND_BYTES)
  ) {
    throw invalid(`${field}.install_command`, `must be at most ${MAX_COMMAND_BYTES} bytes without NUL`);
  }
  return {
    owner: mount.repo_owner,
    name: mount.repo_name,
    ref,
    token,
    installCommand,
    target: posix.join('/home/user', mount.repo_name),
  };
}

/**
 * The clone URL of a repository under the configured base.
 *
 * @example
 * repoUrl('https://github.com', { owner: 'me', name: 'rx' }); // 'https://github.com/me/rx.git'
 */
export function repoUrl(base: string, repo: Pick<CodeRepo, 'owner' | 'name'>): string {
  return `${base}/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}.git`;
}
