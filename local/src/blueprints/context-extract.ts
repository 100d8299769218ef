/**
 * Unpacks a blueprint's build context (a tar or tgz storage object) into a
 * host temp directory, confined to it: entries with `..` or absolute names
 * are refused, and nothing is ever written through a symlink, so a hostile
 * archive cannot touch the host outside that directory.
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, symlink } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';

/**
 * A build context archive that cannot be unpacked safely.
 *
 * @example
 * throw new BuildContextError('build context entry escapes the context: ../x');
 */
export class BuildContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildContextError';
  }
}

/**
 * Unpacks `archive` (tar, or gzip-compressed tar: detected by its magic
 * bytes) into the existing directory `destDir`.
 *
 * @example
 * await extractBuildContext(objectStream, '/tmp/ctx-123');
 */
export async function extractBuildContext(archive: Readable, destDir: string): Promise<{ readonly files: number }> {
  const extract = tar.extract();
  const feeding = pipeline(archive, gunzipIfNeeded, extract);
  feeding.catch(() => undefined); // surfaced through the iterator below
  let files = 0;
  try {
    for await (const entry of extract) {
      const name = confinedName(entry.header.name);
      if (name === undefined) {
        entry.resume();
        continue;
      }
      const target = join(destDir, name);
      await ensureRealParents(destDir, name);
      if (entry.header.type === 'directory') {
        await mkdir(target, { recursive: true, mode: dirMode(entry.header.mode) });
        entry.resume();
      } else if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
        await refuseExisting(target, name);
        await pipeline(entry, createWriteStream(target, { mode: (entry.header.mode ?? 0o644) & 0o777 }));
        files += 1;
      } else if (entry.header.type === 'symlink' && entry.header.linkname) {
        // Stored as a link and copied as a link; it is never followed on the host.
        await refuseExisting(target, name);
        await symlink(entry.header.linkname, target);
        entry.resume();
      } else {
        entry.resume(); // devices, fifos and hard links have no place in a build context
      }
    }
    await feeding;
  } catch (error) {
    if (error instanceof BuildContextError) throw error;
    throw new BuildContextError(`build context is not a readable tar/tgz archive: ${(error as Error).message}`);
  }
  return { files };
}

/** `./a/b/` → `a/b`; undefined for the root; throws for names escaping the root. */
function confinedName(raw: string): string | undefined {
  const normal = posix.normalize(raw.replace(/^\/+/, ''));
  if (normal === '.' || normal === './' || normal === '') return undefined;
  if (normal === '..' || normal.startsWith('../'))
    throw new BuildContextError(`build context entry escapes the context: ${raw}`);
  return normal.replace(/\/+$/, '');
}

async function ensureRealParents(root: string, name: string): Promise<void> {
  const parts = name.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    const stats = await lstat(current).catch(() => undefined);
    if (stats === undefined) await mkdir(current, { mode: 0o755 });
    else if (!stats.isDirectory())
      throw new BuildContextError(`build context entry ${name} goes through a non-directory (${part})`);
  }
}

async function refuseExisting(target: string, name: string): Promise<void> {
  const stats = await lstat(target).catch(() => undefined);
  if (stats !== undefined) throw new BuildContextError(`build context has ${name} twice`);
}

function dirMode(mode: number | undefined): number {
  return ((mode ?? 0o755) & 0o777) | 0o700;
}

/** Yields the archive's bytes, gunzipped when they start with the gzip magic. */
async function* gunzipIfNeeded(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return;
  const whole = (async function* (): AsyncGenerator<Buffer> {
    yield first.value;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
  })();
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) {
    yield* whole;
    return;
  }
  const gunzip = createGunzip();
  pipeline(Readable.from(whole), gunzip).catch(() => undefined); // errors surface on gunzip itself
  yield* gunzip;
}
