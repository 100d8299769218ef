/**
 * Unpacks one image layer (a tar stream) into a directory in overlayfs
 * upper-dir format, the format the runtime stacks: OCI whiteouts
 * (`.wh.<name>`) become 0/0 character devices, opaque markers
 * (`.wh..wh..opq`) become the `trusted.overlay.opaque` attribute of their
 * directory. Owners are moved into the devboxes' id range (0 → hostStart),
 * setuid/setgid bits kept.
 *
 * A layer is untrusted input. Nothing it says can write outside `dest`:
 * names with `..` are refused; no path is ever resolved through a symlink
 * (every parent is checked with lstat, and files are opened O_NOFOLLOW|O_EXCL,
 * nobody else writes in `dest` meanwhile); hard links must point at a file of
 * the same layer; device nodes and FIFOs are skipped (a devbox gets its /dev
 * from runc). A size cap (declared sizes, checked before a byte is written)
 * and an entry cap stop layer bombs.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { extract, type Header } from 'tar-stream';

const run = promisify(execFile);

/**
 * A layer that tries something a layer must not do, or is too large.
 *
 * @example
 * catch (e) { if (e instanceof UnsafeLayerError) log(`refused: ${e.message}`); }
 */
export class UnsafeLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeLayerError';
  }
}

/**
 * How to unpack.
 *
 * @example
 * const options: UnpackOptions = { ids: { hostStart: 100_000, size: 65_536 }, maxBytes: 8 << 30, maxEntries: 1_000_000 };
 */
export interface UnpackOptions {
  /** Owners move into this range; absent: owners are kept as written. */
  readonly ids: { readonly hostStart: number; readonly size: number } | undefined;
  /** Total of the entries' declared sizes the layer may hold. */
  readonly maxBytes: number;
  readonly maxEntries: number;
}

/**
 * What an unpack did.
 *
 * @example
 * const { bytes, entries, skipped } = await unpackLayer(tar, dir, options);
 */
export interface UnpackResult {
  readonly bytes: number;
  readonly entries: number;
  /** Entries left out on purpose (device nodes, FIFOs), named. */
  readonly skipped: readonly string[];
}

/**
 * Unpacks the uncompressed tar `tar` into the existing empty directory `dest`.
 *
 * @example
 * await unpackLayer(response.pipe(createGunzip()), '/data/images/layers/sha256-ab/fs', options);
 */
export async function unpackLayer(tar: Readable, dest: string, options: UnpackOptions): Promise<UnpackResult> {
  const shift = (id: number): number =>
    options.ids === undefined ? id : options.ids.hostStart + Math.min(Math.max(id, 0), options.ids.size - 1);
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  let entries = 0;
  // Real directories this unpack made or checked, so each parent is lstat'ed once, not once per entry.
  const dirs = new Set<string>();
  /** Before `path` is replaced: any checked directory at or under it is checked again. */
  const replacing = (path: string): void => {
    if (dirs.has(path)) dirs.clear();
  };

  const handle = async (header: Header, body: AsyncIterable<unknown>): Promise<void> => {
    entries += 1;
    if (entries > options.maxEntries)
      throw new UnsafeLayerError(`the layer has more than ${options.maxEntries} entries`);
    const parts = safeParts(header.name);
    if (parts.length === 0) return; // the root itself: its owner and mode are the stack's business
    const name = parts[parts.length - 1]!;
    const parent = await ensureParents(dest, parts.slice(0, -1), shift(0), dirs);
    const path = join(parent, name);
    if (name === '.wh..wh..opq') {
      opaque.push(parent);
      return;
    }
    if (name.startsWith('.wh.')) {
      whiteouts.push(join(parent, name.slice(4)));
      return;
    }
    switch (header.type) {
      case 'directory': {
        const existing = await lstatOrUndefined(path);
        if (existing !== undefined && !existing.isDirectory()) await rm(path, { recursive: true, force: true });
        if (existing === undefined || !existing.isDirectory()) await mkdir(path);
        await applyOwnerAndMode(path, header, shift);
        dirs.add(path);
        return;
      }
      case 'file':
      case 'contiguous-file': {
        const size = header.size ?? 0;
        if (bytes + size > options.maxBytes)
          throw new UnsafeLayerError(`the layer unpacks to more than ${options.maxBytes} bytes (the cap)`);
        bytes += size;
        replacing(path);
        await rm(path, { recursive: true, force: true });
        const file = await open(
          path,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          for await (const chunk of body) await file.write(chunk as Buffer);
          await file.chown(shift(header.uid ?? 0), shift(header.gid ?? 0));
          // After chown, which clears setuid/setgid.
          await file.chmod((header.mode ?? 0o644) & 0o7777);
          if (header.mtime) await file.utimes(header.mtime, header.mtime);
        } finally {
          await file.close();
        }
        return;
      }
      case 'symlink': {
        // Created as written (an absolute target means the devbox's own root); never followed here.
        replacing(path);
        await rm(path, { recursive: true, force: true });
        await symlink(header.linkname ?? '', path);
        await applyOwnerAndMode(path, header, shift);
        return;
      }
      case 'link': {
        const targetParts = safeParts(header.linkname ?? '');
        const target = await resolveInLayer(dest, targetParts);
        const info = await lstatOrUndefined(target);
        if (info === undefined || info.isDirectory()) {
          throw new UnsafeLayerError(
            `hard link ${JSON.stringify(header.name)} points at ${JSON.stringify(header.linkname)}, which is no file of this layer`,
          );
        }
        if (target === path) return;
        replacing(path);
        await rm(path, { recursive: true, force: true });
        await link(target, path);
        return;
      }
      default:
        // Device nodes, FIFOs and the like: a devbox's /dev comes from runc, never from an image.
        skipped.push(`${header.type ?? 'unknown'} ${parts.join('/')}`);
        return;
    }
  };

  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      try {
        await handle(entry.header, entry);
      } finally {
        entry.resume(); // whatever was not read (skipped entries) is drained so the next one comes
      }
    }
  })();
  await Promise.all([pipeline(tar, reader), done]);

  for (const path of whiteouts) {
    // An entry of this very layer at the same path wins over the whiteout.
    if ((await lstatOrUndefined(path)) === undefined) await run('/usr/bin/mknod', ['--', path, 'c', '0', '0']);
  }
  for (const dir of opaque) await run('/usr/bin/setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', '--', dir]);
  return { bytes, entries, skipped };
}

/** `./a/b/` → ['a', 'b']; any `..` is refused (a layer never needs one). */
function safeParts(name: string): string[] {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..'))
    throw new UnsafeLayerError(`entry ${JSON.stringify(name)} climbs out of the layer with ".."`);
  if (parts.some((part) => part.includes('\0')))
    throw new UnsafeLayerError(`entry ${JSON.stringify(name)} has a NUL byte`);
  return parts;
}

/** Creates missing parents as directories; refuses to pass through anything that is not a real directory. */
async function ensureParents(
  dest: string,
  parts: readonly string[],
  rootOwner: number,
  checked: Set<string>,
): Promise<string> {
  let path = dest;
  for (const part of parts) {
    path = join(path, part);
    if (checked.has(path)) continue;
    const info = await lstatOrUndefined(path);
    if (info === undefined) {
      await mkdir(path, { mode: 0o755 });
      await lchown(path, rootOwner, rootOwner);
    } else if (!info.isDirectory()) {
      throw new UnsafeLayerError(
        `entry under ${JSON.stringify(parts.join('/'))} goes through ${info.isSymbolicLink() ? 'a symlink' : 'a non-directory'} (${JSON.stringify(part)})`,
      );
    }
    checked.add(path);
  }
  return path;
}

/** A path of this layer, every parent a real directory (a link target must not escape either). */
async function resolveInLayer(dest: string, parts: readonly string[]): Promise<string> {
  let path = dest;
  for (const [index, part] of parts.entries()) {
    path = join(path, part);
    if (index === parts.length - 1) break;
    const info = await lstatOrUndefined(path);
    if (info === undefined || !info.isDirectory())
      throw new UnsafeLayerError(`hard link target ${JSON.stringify(parts.join('/'))} is not inside this layer`);
  }
  return path;
}

async function applyOwnerAndMode(path: string, header: Header, shift: (id: number) => number): Promise<void> {
  const uid = shift(header.uid ?? 0);
  const gid = shift(header.gid ?? 0);
  if (header.type === 'symlink') {
    await lchown(path, uid, gid);
    if (header.mtime) await lutimes(path, header.mtime, header.mtime);
    return;
  }
  const dir = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await dir.chown(uid, gid);
    await dir.chmod((header.mode ?? 0o755) & 0o7777);
  } finally {
    await dir.close();
  }
}

async function lstatOrUndefined(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
