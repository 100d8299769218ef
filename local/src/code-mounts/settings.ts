/**
 * Server-wide settings of code mounts: where repositories are fetched from
 * and how much one clone may take.
 */

/**
 * How code mounts fetch repositories.
 *
 * @example
 * const settings: CodeMountSettings = { gitBaseUrl: 'http://127.0.0.1:9418', maxBytes: 1 << 20, timeoutMs: 30_000 };
 */
export interface CodeMountSettings {
  /** Repositories are `<gitBaseUrl>/<repo_owner>/<repo_name>.git`; default `https://github.com`. */
  readonly gitBaseUrl: string;
  /** Cap on a clone's size on disk (and on what is copied into the devbox); the devbox fails past it. */
  readonly maxBytes: number;
  /** Cap on one clone's duration. */
  readonly timeoutMs: number;
}

/**
 * The defaults: GitHub, 2 GiB, 10 minutes.
 *
 * @example
 * startLocalServer({ codeMounts: { ...DEFAULT_CODE_MOUNT_SETTINGS, gitBaseUrl: 'http://127.0.0.1:8080' } });
 */
export const DEFAULT_CODE_MOUNT_SETTINGS: CodeMountSettings = {
  gitBaseUrl: 'https://github.com',
  maxBytes: 2 * 1024 ** 3,
  timeoutMs: 10 * 60 * 1000,
};

/**
 * The settings with `overrides` applied, or an Error saying which one is wrong.
 * The base URL must be http(s), without credentials, query or fragment
 * (a token in it would end up in every devbox's `.git/config`).
 *
 * @example
 * codeMountSettings({ gitBaseUrl: 'http://127.0.0.1:8080/' }).gitBaseUrl; // 'http://127.0.0.1:8080'
 */
export function codeMountSettings(overrides: Partial<CodeMountSettings> = {}): CodeMountSettings {
  const settings = { ...DEFAULT_CODE_MOUNT_SETTINGS, ...overrides };
  let url: URL;
  try {
    url = new URL(settings.gitBaseUrl);
  } catch {
    throw new Error(`git base URL ${JSON.stringify(settings.gitBaseUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('git base URL must be http:// or https://');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new Error('git base URL must not carry credentials, a query or a fragment (tokens go in each code mount)');
  }
  if (!Number.isSafeInteger(settings.maxBytes) || settings.maxBytes < 1)
    throw new Error('code mount maxBytes must be a positive integer');
  if (!Number.isSafeInteger(settings.timeoutMs) || settings.timeoutMs < 1)
    throw new Error('code mount timeoutMs must be a positive integer');
  return { ...settings, gitBaseUrl: url.href.replace(/\/+$/, '') };
}
