/**
 * Unpacks a tar (optionally gzip-compressed) stream into a directory of a
 * devbox, entry by entry, never holding the archive in memory. Entries are
 * confined to the target directory: absolute names and `..` are refused.
 */
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import type { DevboxHandle } from '../runtime/types.js';
import { writeOwnedFile } from './write-file.js';

/**
 * What an unpack did, for the devbox log.
 *
 * @example
 * const { files, skipped } = await unpackArchive(handle, stream, '/home/user/data', { gzip: true });
 */
export interface UnpackResult {
  readonly files: number;
  readonly directories: number;
  /** Entries left out: links, devices, unsafe names. */
  readonly skipped: readonly string[];
}

/**
 * Where an archive entry lands under `dir`, or undefined when its name would
 * leave `dir` (absolute, `..`) or names `dir` itself.
 *
 * @example
 * entryTarget('/home/user/data', './a/b.txt'); // '/home/user/data/a/b.txt'
 * entryTarget('/home/user/data', '../x'); // undefined
 */
export function entryTarget(dir: string, name: string): string | undefined {
  if (name.startsWith('/') || name.includes('\0')) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return posix.join(dir, ...parts);
}

/**
 * Unpacks `archive` into `dir` inside the devbox. Files are written through
 * the runtime (confined, owned by the user); empty directories and
 * executable bits are applied afterwards with one command.
 *
 * @example
 * await unpackArchive(handle, objectStream, '/home/user/project', { gzip: true });
 */
export async function unpackArchive(
  handle: DevboxHandle,
  archive: Readable,
  dir: string,
  options: { readonly gzip: boolean },
): Promise<UnpackResult> {
  const extract = tar.extract();
  const directories: string[] = [dir];
  const executables: string[] = [];
  const skipped: string[] = [];
  let files = 0;
  const consume = (async () => {
    for await (const entry of extract) {
      const { name, type, mode } = entry.header;
      const target = entryTarget(dir, name);
      if (target === undefined || (type !== 'file' && type !== 'directory' && type !== 'contiguous-file')) {
        if (target !== undefined || name.replace(/^\.?\/?$/, '') !== '') skipped.push(name);
        entry.resume();
        continue;
      }
      if (type === 'directory') {
        directories.push(target);
        entry.resume();
        continue;
      }
      // tar-stream entries are streamx streams: adapt them to a Node Readable for the runtime.
      await writeOwnedFile(handle, target, Readable.from(entry as AsyncIterable<Buffer>));
      files++;
      if (((mode ?? 0) & 0o111) !== 0) executables.push(target);
    }
  })();
  const source = options.gzip ? [archive, createGunzip(), extract] : [archive, extract];
  await Promise.all([pipeline(source as [Readable, ...NodeJS.WritableStream[]]), consume]);
  await applyModes(handle, directories, executables);
  return { files, directories: directories.length - 1, skipped };
}

/** Creates directories (owned by the user) and sets executable bits; names go NUL-separated on stdin. */
async function applyModes(
  handle: DevboxHandle,
  directories: readonly string[],
  executables: readonly string[],
): Promise<void> {
  await xargs0(handle, `sh -c 'mkdir -p -- "$@" && chown 1000:1000 -- "$@"' sh`, directories);
  await xargs0(handle, 'chmod a+x --', executables);
}

async function xargs0(handle: DevboxHandle, command: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  const child = handle.spawn({ command: `xargs -0 -r ${command}`, user: 'root' });
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(0, 4096)));
  const exited = child.closed;
  await pipeline(Readable.from(paths.map((p) => `${p}\0`)), child.stdin).catch(() => undefined);
  const code = await exited;
  if (code !== 0) throw new Error(`unpacking an archive failed (${command.split(' ')[0]}): ${stderr.trim()}`);
}
