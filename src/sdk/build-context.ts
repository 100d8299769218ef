import { createReadStream } from 'node:fs';
import { lstat, opendir, readFile, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { Observable } from 'rxjs';
import * as tar from 'tar-stream';
import { createIgnoreMatcher, parseIgnoreFile, type IgnoreMatcher } from './internal/ignore-matcher.js';

/**
 * How a build context decides what to leave out; only one source is used (§13).
 *
 * @example
 * buildContextStream('./app', { ignore: ['node_modules', '*.log'] });
 */
export interface BuildContextOptions {
  /** A matcher or a pattern list; wins over every other source. */
  readonly ignore?: IgnoreMatcher | readonly string[];
  /** An ignore file to read instead of `<dir>/.dockerignore`. */
  readonly ignoreFile?: string;
}

interface ContextEntry {
  /** Path relative to the root, `/`-separated; `''` for the root. */
  readonly relativePath: string;
  readonly absolutePath: string;
  readonly stats: Stats;
}

/**
 * Packs a directory as a gzip-compressed tar (content type `tgz`) for a
 * blueprint build context (runloop-api.md §13): entries named `./…`
 * (directories end in `/`), `.dockerignore` honoured, excluded directories
 * pruned. The tree is walked lazily as the stream is read, file by file, so
 * memory stays flat whatever the size. Destroying the stream stops the walk.
 *
 * @example
 * buildContextStream('./my-app').pipe(fs.createWriteStream('context.tgz'));
 */
export function buildContextStream(directory: string, options: BuildContextOptions = {}): Readable {
  const pack = tar.pack();
  const gzip = createGzip();
  let stopped = false;
  gzip.once('close', () => {
    stopped = true;
    pack.destroy();
  });
  pack.on('error', (err: Error) => gzip.destroy(err));
  pack.pipe(gzip);
  packDirectory(directory, options, pack, () => stopped).then(
    () => pack.finalize(),
    (err: unknown) => gzip.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return gzip;
}

/**
 * The same archive as {@link buildContextStream}, as a cold Observable of
 * byte chunks: each subscription walks and packs again; unsubscribing stops.
 *
 * @example
 * buildContext$('./my-app').pipe(reduce((n, c) => n + c.length, 0)).subscribe(console.log);
 */
export function buildContext$(directory: string, options: BuildContextOptions = {}): Observable<Uint8Array> {
  return readableToObservable(() => buildContextStream(directory, options));
}

/**
 * Wraps a Readable factory as a cold Observable of chunks; unsubscribing destroys the stream.
 *
 * @example
 * readableToObservable(() => fs.createReadStream('a.bin')).subscribe((chunk) => console.log(chunk.length));
 */
export function readableToObservable(factory: () => Readable): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const stream = factory();
    stream.on('data', (chunk: Uint8Array | string) =>
      subscriber.next(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    );
    stream.once('error', (err) => subscriber.error(err));
    stream.once('end', () => subscriber.complete());
    return () => {
      stream.destroy();
    };
  });
}

async function packDirectory(
  root: string,
  options: BuildContextOptions,
  pack: tar.Pack,
  isStopped: () => boolean,
): Promise<void> {
  const ignored = await resolveMatcher(root, options);
  for await (const entry of walk(root, '', ignored)) {
    if (isStopped()) return;
    await addEntry(pack, entry);
  }
}

async function resolveMatcher(root: string, options: BuildContextOptions): Promise<IgnoreMatcher> {
  const { ignore, ignoreFile } = options;
  const base: IgnoreMatcher =
    typeof ignore === 'function'
      ? ignore
      : ignore !== undefined
        ? createIgnoreMatcher(ignore)
        : createIgnoreMatcher(await readIgnoreFile(ignoreFile ?? join(root, '.dockerignore')));
  return (path) => path === '.dockerignore' || base(path);
}

async function readIgnoreFile(path: string): Promise<string[]> {
  try {
    return parseIgnoreFile(await readFile(path, 'utf8'));
  } catch {
    // §13: an unreadable ignore file means no ignores.
    return [];
  }
}

/** Depth-first, sorted, lazy: one directory handle open per level at most. */
async function* walk(root: string, relativeDir: string, ignored: IgnoreMatcher): AsyncGenerator<ContextEntry> {
  const absoluteDir = relativeDir === '' ? root : join(root, relativeDir);
  yield { relativePath: relativeDir, absolutePath: absoluteDir, stats: await lstat(absoluteDir) };
  const names: string[] = [];
  for await (const dirent of await opendir(absoluteDir)) names.push(dirent.name);
  names.sort();
  for (const name of names) {
    const relativePath = relativeDir === '' ? name : `${relativeDir}/${name}`;
    if (ignored(relativePath)) continue;
    const absolutePath = join(root, relativePath);
    const stats = await lstat(absolutePath);
    if (stats.isDirectory()) yield* walk(root, relativePath, ignored);
    else yield { relativePath, absolutePath, stats };
  }
}

async function addEntry(pack: tar.Pack, { relativePath, absolutePath, stats }: ContextEntry): Promise<void> {
  const common = { mode: stats.mode & 0o7777, mtime: stats.mtime, uid: 0, gid: 0 };
  if (stats.isDirectory()) {
    await writeEntry(pack, { ...common, name: relativePath === '' ? './' : `./${relativePath}/`, type: 'directory' });
  } else if (stats.isSymbolicLink()) {
    const linkname = await readlink(absolutePath);
    await writeEntry(pack, { ...common, name: `./${relativePath}`, type: 'symlink', linkname });
  } else if (stats.isFile()) {
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...common, name: `./${relativePath}`, type: 'file', size: stats.size }, (err) =>
        err ? reject(err) : resolve(),
      );
      const source = createReadStream(absolutePath);
      source.once('error', (err) => {
        sink.destroy(err);
        reject(err);
      });
      source.pipe(sink);
    });
  }
  // Sockets, FIFOs and devices have no place in a build context: skipped.
}

function writeEntry(pack: tar.Pack, header: Partial<tar.Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}
