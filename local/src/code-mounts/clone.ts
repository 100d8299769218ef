/**
 * Clones a repository on the host, never as root: git parses whatever the
 * remote sends, so it runs as `nobody` (when the server is root) in a
 * private temporary directory, with a clean environment, only http(s),
 * object checks on, no redirects, and two size guards (a per-file limit
 * from the kernel, a whole-clone limit checked as it grows) plus a timeout.
 * The token travels as an HTTP header through git's environment config: not
 * on a command line (`ps` shows those), not in the URL, so never in `.git/config`.
 */
import { spawn } from 'node:child_process';
import { chown, lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The host account untrusted git and tar run as.
 *
 * @example
 * spawn('git', args, { ...(runAs ?? {}) });
 */
export interface HostAccount {
  readonly uid: number;
  readonly gid: number;
}

/**
 * `nobody:nogroup` when the server runs as root; otherwise undefined: the
 * server's own (unprivileged) user.
 *
 * @example
 * spawn('git', args, { ...(untrustedAccount() ?? {}) });
 */
export function untrustedAccount(): HostAccount | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

/**
 * A clone failed; the message is safe to show (the token is never in it).
 *
 * @example
 * catch (e) { if (e instanceof CloneError) log(e.message); }
 */
export class CloneError extends Error {
  override name = 'CloneError';
}

/**
 * What to clone.
 *
 * @example
 * const request: CloneRequest = { url: 'https://github.com/me/rx.git', ref: 'v1', token: null, maxBytes: 1 << 30, timeoutMs: 600_000 };
 */
export interface CloneRequest {
  readonly url: string;
  readonly ref: string | null;
  readonly token: string | null;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Ends the clone early (server stop). */
  readonly signal?: AbortSignal;
}

/**
 * A finished clone in a temporary directory; `dispose` removes it.
 *
 * @example
 * const clone = await cloneRepository(request);
 * try { await copy(clone.dir); } finally { await clone.dispose(); }
 */
export interface Clone {
  /** The work tree (with `.git`). */
  readonly dir: string;
  readonly bytes: number;
  readonly runAs: HostAccount | undefined;
  dispose(): Promise<void>;
}

const PATH = '/usr/local/bin:/usr/bin:/bin';

/** git settings for every clone, given through the environment so nothing is written to a config file. */
function gitConfig(token: string | null): Record<string, string> {
  const entries: Array<[string, string]> = [
    ['protocol.allow', 'never'],
    ['protocol.http.allow', 'always'],
    ['protocol.https.allow', 'always'],
    ['http.followRedirects', 'false'],
    ['transfer.fsckObjects', 'true'],
    ['submodule.recurse', 'false'],
    ['core.hooksPath', '/dev/null'],
    ['advice.detachedHead', 'false'],
  ];
  // Basic with the x-access-token user: what GitHub takes for every token kind.
  if (token !== null)
    entries.push([
      'http.extraHeader',
      `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
    ]);
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Bytes under `dir` (files and links as stored, not followed), stopping early past `stopAbove`.
 *
 * @example
 * await treeBytes('/tmp/clone', 1 << 30);
 */
export async function treeBytes(dir: string, stopAbove = Number.MAX_SAFE_INTEGER): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= stopAbove) {
    const current = pending.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // removed while git works
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else
        total += await lstat(path).then(
          (s) => s.size,
          () => 0,
        );
    }
  }
  return total;
}

/**
 * Clones `request.url` (at `request.ref` when given) into a new temporary directory.
 * Rejects with a {@link CloneError}.
 *
 * @example
 * const clone = await cloneRepository({ url, ref: null, token, maxBytes: 1 << 30, timeoutMs: 600_000 });
 */
export async function cloneRepository(request: CloneRequest): Promise<Clone> {
  const runAs = untrustedAccount();
  const home = await mkdtemp(join(tmpdir(), 'runloop-local-clone-'));
  const dispose = () => rm(home, { recursive: true, force: true }).catch(() => undefined);
  try {
    if (runAs !== undefined) await chown(home, runAs.uid, runAs.gid);
    const dir = join(home, 'repo');
    const run = (args: string[]) => runGit(args, home, runAs, request);
    if (request.ref === null) await run(['clone', '--quiet', '--', request.url, dir]);
    else {
      await run(['clone', '--quiet', '--no-checkout', '--', request.url, dir]);
      await run(['-C', dir, 'checkout', '--quiet', request.ref]);
    }
    const bytes = await treeBytes(home, request.maxBytes);
    if (bytes > request.maxBytes)
      throw new CloneError(`the repository is over the code mount limit of ${request.maxBytes} bytes`);
    return { dir, bytes, runAs, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Runs one git command as `runAs` under the guards; rejects with a {@link CloneError}. */
function runGit(args: string[], home: string, runAs: HostAccount | undefined, request: CloneRequest): Promise<void> {
  const blocks = Math.ceil(request.maxBytes / 512);
  const env = {
    PATH,
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...gitConfig(request.token),
  };
  // `ulimit -f`: the kernel stops any single file past the cap, between the size checks below. With
  // SIGXFSZ ignored (inherited through exec) the write fails with EFBIG, which git reports ("File too large").
  const child = spawn(
    '/bin/sh',
    ['-c', 'trap "" XFSZ; ulimit -f "$1" && shift && exec git "$@"', 'sh', String(blocks), ...args],
    {
      cwd: home,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(runAs ?? {}),
    },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  let stopped: string | undefined;
  const stop = (reason: string): void => {
    if (stopped !== undefined) return;
    stopped = reason;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => stop(`the clone took longer than ${request.timeoutMs} ms`), request.timeoutMs);
  let checking = false;
  const sizeCheck = setInterval(() => {
    if (checking) return;
    checking = true;
    void treeBytes(home, request.maxBytes).then((bytes) => {
      checking = false;
      if (bytes > request.maxBytes) stop(`the repository is over the code mount limit of ${request.maxBytes} bytes`);
    });
  }, 250);
  const onAbort = () => stop('the server is stopping');
  request.signal?.addEventListener('abort', onAbort, { once: true });
  if (request.signal?.aborted === true) onAbort();
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      clearInterval(sizeCheck);
      request.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      finish();
      reject(new CloneError(`git could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      finish();
      if (stopped !== undefined) return reject(new CloneError(stopped));
      if (code === 0) return resolve();
      if (signal === 'SIGXFSZ' || /File too large/.test(stderr)) {
        return reject(
          new CloneError(
            `the repository is over the code mount limit of ${request.maxBytes} bytes (a file reached it)`,
          ),
        );
      }
      reject(
        new CloneError(
          `git ${args.includes('checkout') ? 'checkout' : 'clone'} failed: ${lastLines(redact(stderr, request.token))}`,
        ),
      );
    });
  });
}

/** The token (raw and as sent) never reaches a message. */
function redact(text: string, token: string | null): string {
  if (token === null) return text;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return text.split(token).join('***').split(basic).join('***');
}

function lastLines(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.slice(-3).join('; ') || 'no message';
}
