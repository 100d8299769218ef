/**
 * Devbox mounts, applied once when a devbox first starts: objects (a single
 * file, or an archive unpacked into a directory), inline files, and the
 * legacy `file_mounts` map. Mounts that need the network (code, agent,
 * broker) cannot work offline and are refused at create with a 422.
 */
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { DevboxCreateParams } from 'runloop-rx/views';
import type { Mount } from 'runloop-rx/views';
import { HttpError } from '../http/route.js';
import type { DevboxHandle } from '../runtime/types.js';
import { unpackArchive } from './archive.js';
import { writeOwnedFile } from './write-file.js';

/**
 * An object's bytes as a stream, with its content type (`text`, `tgz`…).
 *
 * @example
 * const object: MountObject = { contentType: 'tgz', body: createReadStream('project.tgz') };
 */
export interface MountObject {
  readonly contentType: string;
  readonly body: Readable;
}

/**
 * Stored objects as mounts see them (the objects service).
 *
 * @example
 * const objects: MountObjects = { check: (id) => void api.view(id), open: async (id) => toMountObject(await api.open(id)) };
 */
export interface MountObjects {
  /** Throws a 404 HttpError when the object does not exist (checked at create). */
  check(objectId: string): void;
  /** Opens the object's bytes; rejects with an HttpError when it cannot. */
  open(objectId: string): Promise<MountObject>;
}

const HOME = '/home/user';

/**
 * The mounts of a create request in one list (legacy `file_mounts` become
 * `file_mount`s), or a 422 for kinds that cannot work offline.
 *
 * @example
 * const mounts = mountsOf({ file_mounts: { 'a.txt': 'hi' } }); // [{ type: 'file_mount', target: 'a.txt', content: 'hi' }]
 */
export function mountsOf(params: DevboxCreateParams): Mount[] {
  const mounts: Mount[] = [...(params.mounts ?? [])];
  for (const [target, content] of Object.entries(params.file_mounts ?? {})) mounts.push({ type: 'file_mount', target, content });
  if ((params.code_mounts ?? []).length > 0) mounts.push(...(params.code_mounts ?? []).map((c) => ({ type: 'code_mount' as const, ...c })));
  for (const mount of mounts) {
    if (mount.type === 'object_mount' || mount.type === 'file_mount') {
      const path = mount.type === 'object_mount' ? mount.object_path : mount.target;
      if (path.trim() === '' || path.includes('\0')) {
        throw new HttpError(400, 'invalid_request', `${mount.type}: the path must be a non-empty path`);
      }
      continue;
    }
    throw new HttpError(
      422,
      'unsupported_mount',
      `${mount.type} needs network access to external services, which runloop-local does not have; ` +
        'use an object_mount (upload the files as an object) or a file_mount instead',
      { 'x-should-retry': 'false' },
    );
  }
  return mounts;
}

/**
 * Absolute path inside the devbox; relative paths are under the user's home.
 *
 * @example
 * devboxPath('notes.txt'); // '/home/user/notes.txt'
 */
export function devboxPath(path: string): string {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(HOME, path);
}

const ARCHIVES: Readonly<Record<string, { readonly gzip: boolean }>> = {
  tar: { gzip: false },
  tgz: { gzip: true },
  gzip: { gzip: true },
};

/**
 * Writes every mount into a running devbox; returns one log line per mount.
 *
 * @example
 * const lines = await applyMounts(handle, record.boot.mounts, objects);
 */
export async function applyMounts(handle: DevboxHandle, mounts: readonly Mount[], objects: MountObjects): Promise<string[]> {
  const lines: string[] = [];
  for (const mount of mounts) {
    if (mount.type === 'file_mount') {
      const target = devboxPath(mount.target);
      await writeOwnedFile(handle, target, mount.content);
      lines.push(`file_mount: wrote ${target}`);
    } else if (mount.type === 'object_mount') {
      const target = devboxPath(mount.object_path);
      const object = await objects.open(mount.object_id);
      const archive = ARCHIVES[object.contentType];
      if (archive === undefined) {
        await writeOwnedFile(handle, target, object.body);
        lines.push(`object_mount: wrote ${mount.object_id} to ${target}`);
      } else {
        const result = await unpackArchive(handle, object.body, target, archive);
        const skipped = result.skipped.length > 0 ? `; skipped ${result.skipped.length} unsafe or unsupported entries` : '';
        lines.push(`object_mount: unpacked ${mount.object_id} into ${target} (${result.files} files${skipped})`);
      }
    }
  }
  return lines;
}
