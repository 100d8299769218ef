/**
 * COPY/ADD source resolution against an extracted build context: glob
 * expansion (`*`, `?`, `[…]` per path segment), confinement to the context,
 * and the mapping of each source file to its destination inside the devbox,
 * as Docker does it.
 *
 * Confinement is by construction, not by a check afterwards: every path is
 * resolved inside the context as if the context were `/` (the semantics of
 * openat2's RESOLVE_IN_ROOT): `..` stops at the root, and a symbolic link,
 * absolute or relative, resolves within it. So no host directory outside the
 * context is ever listed or even looked at, and a source that would lead out
 * is simply not found: one error, which tells nothing about the host.
 */
import type { Stats } from 'node:fs';
import { lstat, opendir, readdir, readlink, realpath } from 'node:fs/promises';
import { join, posix } from 'node:path';

/**
 * One filesystem entry to place in the devbox.
 *
 * @example
 * const entry: CopyEntry = { hostPath: join(contextDir, 'app/main.py'), destPath: '/srv/app/main.py', stats: await lstat(hostPath) };
 */
export interface CopyEntry {
  readonly hostPath: string;
  /** Absolute path inside the devbox. */
  readonly destPath: string;
  readonly stats: Stats;
}

/**
 * What one COPY/ADD puts into the devbox.
 *
 * @example
 * const plan: CopyPlan = await planCopy(contextDir, ['app/'], '/srv/app/', false);
 * plan.entries.map((e) => e.destPath); // ['/srv/app', '/srv/app/main.py']
 */
export interface CopyPlan {
  /** Parents before children. */
  readonly entries: readonly CopyEntry[];
  /** ADD only: local tar archives to unpack into a directory. */
  readonly archives: readonly { readonly hostPath: string; readonly destDir: string }[];
}

/**
 * A COPY source that does not exist in, or escapes, the build context.
 *
 * @example
 * throw new CopySourceError('app/: not found in the build context');
 */
export class CopySourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopySourceError';
  }
}

const GLOB = /[*?[]/;
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2?)$/i;

/**
 * Resolves sources and destinations for one COPY (`add: false`) or ADD.
 *
 * @example
 * const plan = await planCopy('/tmp/ctx', ['src/*.py'], '/app/', false);
 */
export async function planCopy(
  contextDir: string,
  sources: readonly string[],
  dest: string,
  add: boolean,
): Promise<CopyPlan> {
  const root = await realpath(contextDir);
  const matches: string[] = [];
  for (const source of sources) {
    const found = await expandSource(root, source);
    if (found.length === 0) throw new CopySourceError(`${source}: not found in the build context`);
    matches.push(...found);
  }
  const intoDir = dest.endsWith('/') || matches.length > 1 || sources.some((s) => GLOB.test(s));
  const entries: CopyEntry[] = [];
  const archives: Array<{ hostPath: string; destDir: string }> = [];
  for (const relative of matches) {
    const hostPath = relative === '' ? root : join(root, relative);
    const stats = await lstat(hostPath);
    if (stats.isDirectory()) {
      await walk(hostPath, dest.replace(/\/+$/, '') || '/', entries);
    } else if (add && stats.isFile() && ARCHIVE.test(relative)) {
      archives.push({ hostPath, destDir: dest.replace(/\/+$/, '') || '/' });
    } else {
      const destPath = intoDir ? posix.join(dest, posix.basename(relative)) : dest;
      entries.push({ hostPath, destPath, stats });
    }
  }
  return { entries, archives };
}

/** Relative paths (from the context root, `''` = the root, no symbolic link but maybe the last) matching one source. */
async function expandSource(root: string, source: string): Promise<string[]> {
  const segments = source.split('/').filter((segment) => segment !== '' && segment !== '.');
  let candidates = [''];
  for (const [index, segment] of segments.entries()) {
    // The source's own last name is copied as it is (a link stays a link); every other name is followed.
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const base of candidates) {
      if (!GLOB.test(segment)) {
        const found = await resolveInRoot(root, base === '' ? segment : `${base}/${segment}`, !last);
        if (found !== undefined) next.push(found);
        continue;
      }
      const matcher = segmentMatcher(segment);
      const names = await readdir(join(root, base)).catch(() => [] as string[]);
      for (const name of names.sort()) {
        if (!matcher.test(name)) continue;
        const found = await resolveInRoot(root, base === '' ? name : `${base}/${name}`, !last);
        if (found !== undefined) next.push(found);
      }
    }
    candidates = [...new Set(next)];
  }
  return candidates;
}

/** A chain of more links than this is refused, as the kernel does (ELOOP). */
const MAX_LINK_HOPS = 40;

/**
 * Resolves `relative` inside `root` as if `root` were `/` (RESOLVE_IN_ROOT):
 * `..` stops at the root, symbolic links resolve within it (an absolute
 * target starts again at the root). Returns the path relative to `root`, in
 * which no name is a link (but the last, unless `followLast`), or undefined
 * when some name does not exist.
 *
 * @example
 * // ctx/rootlink -> /root
 * await resolveInRoot('/tmp/ctx', 'rootlink/.npm', true); // undefined: ctx/root/.npm does not exist
 */
export async function resolveInRoot(root: string, relative: string, followLast: boolean): Promise<string | undefined> {
  const pending = relative.split('/').filter((name) => name !== '' && name !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const stats = await lstat(join(root, ...resolved, name)).catch(() => undefined);
    if (stats === undefined) return undefined;
    if (stats.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++hops > MAX_LINK_HOPS) return undefined;
      const target = await readlink(join(root, ...resolved, name));
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((part) => part !== '' && part !== '.'));
      continue;
    }
    resolved.push(name);
  }
  return resolved.join('/');
}

function segmentMatcher(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i += 1) {
    const c = segment[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        const body = segment
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Adds every entry below `dir` (not `dir` itself), parents first, links not followed. */
async function walk(dir: string, destDir: string, out: CopyEntry[]): Promise<void> {
  const handle = await opendir(dir);
  const names: string[] = [];
  for await (const entry of handle) names.push(entry.name);
  for (const name of names.sort()) {
    const hostPath = join(dir, name);
    const stats = await lstat(hostPath);
    const destPath = posix.join(destDir, name);
    out.push({ hostPath, destPath, stats });
    if (stats.isDirectory()) await walk(hostPath, destPath, out);
  }
}
