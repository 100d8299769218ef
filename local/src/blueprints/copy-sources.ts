/**
 * COPY/ADD source resolution against an extracted build context: glob
 * expansion (`*`, `?`, `[…]` per path segment), confinement to the context
 * (no `..` escape, no escape through a symlinked directory), and the mapping
 * of each source file to its destination inside the devbox, as Docker does it.
 */
import type { Stats } from 'node:fs';
import { lstat, opendir, readdir, realpath } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';

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
export async function planCopy(contextDir: string, sources: readonly string[], dest: string, add: boolean): Promise<CopyPlan> {
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
    await assertConfined(root, hostPath, relative);
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

/** Relative paths (from the context root, `''` = the root) matching one source. */
async function expandSource(root: string, source: string): Promise<string[]> {
  const normal = posix.normalize(source.replace(/^\/+/, ''));
  if (normal === '..' || normal.startsWith('../')) throw new CopySourceError(`${source}: outside the build context`);
  const segments = normal === '.' ? [] : normal.replace(/\/+$/, '').split('/');
  let candidates = [''];
  for (const segment of segments) {
    const next: string[] = [];
    for (const base of candidates) {
      if (!GLOB.test(segment)) {
        const path = base === '' ? segment : `${base}/${segment}`;
        if (await exists(join(root, path))) next.push(path);
        continue;
      }
      const matcher = segmentMatcher(segment);
      const names = await readdir(join(root, base)).catch(() => [] as string[]);
      for (const name of names.sort()) if (matcher.test(name)) next.push(base === '' ? name : `${base}/${name}`);
    }
    candidates = next;
  }
  return candidates;
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
        const body = segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

/** The source's parent directory must resolve inside the context (a symlinked dir cannot lead out). */
async function assertConfined(root: string, hostPath: string, relative: string): Promise<void> {
  if (hostPath === root) return;
  const parent = await realpath(join(hostPath, '..'));
  if (parent !== root && !parent.startsWith(root + sep)) {
    throw new CopySourceError(`${relative}: outside the build context (through a symbolic link)`);
  }
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
