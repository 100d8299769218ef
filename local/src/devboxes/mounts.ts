/**
 * Devbox mounts, applied once when a devbox first starts: objects (a single
 * file, or an archive unpacked into a directory), inline files, and the
 * legacy `file_mounts` map, and git repositories (code mounts, cloned by
 * ../code-mounts). Agent and broker mounts need Runloop's hosted agent and
 * axon services, which a local server does not have: refused with a 422.
 */
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { DevboxCreateParams } from 'runloop-rx/views';
import type { CodeMount, Mount } from 'runloop-rx/views';
import { codeRepoOf } from '../code-mounts/repo.js';
import { clip } from '../http/clip.js';
import { InvalidInputError, UnprocessableError } from '../errors.js';
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
  /** Throws a NotFoundError when the object does not exist (checked at create). */
  check(objectId: string): void;
  /** Opens the object's bytes; rejects with a domain error when it cannot. */
  open(objectId: string): Promise<MountObject>;
}

const HOME = '/home/user';

/**
 * Clones one code mount into a running devbox (../code-mounts `applyCodeMount` with the server's settings).
 *
 * @example
 * const clone: CodeMountCloner = (handle, mount) => applyCodeMount(handle, mount, settings, env, log);
 */
export type CodeMountCloner = (handle: DevboxHandle, mount: CodeMount) => Promise<void>;

/**
 * The mounts of a create request in one list (legacy `file_mounts` become
 * `file_mount`s, legacy `code_mounts` become `code_mount`s), a 400 naming
 * the field for a bad one, or a 422 for kinds a local server cannot serve.
 *
 * @example
 * const mounts = mountsOf({ file_mounts: { 'a.txt': 'hi' } }); // [{ type: 'file_mount', target: 'a.txt', content: 'hi' }]
 */
export function mountsOf(params: DevboxCreateParams): Mount[] {
  const mounts: Mount[] = [...(params.mounts ?? [])];
  const fields = mounts.map((_, i) => `mounts[${i}]`);
  for (const [target, content] of Object.entries(params.file_mounts ?? {})) {
    mounts.push({ type: 'file_mount', target, content });
    fields.push(`file_mounts[${JSON.stringify(clip(target))}]`);
  }
  for (const [i, code] of (params.code_mounts ?? []).entries()) {
    mounts.push({ type: 'code_mount', ...code });
    fields.push(`code_mounts[${i}]`);
  }
  const repoTargets = new Set<string>();
  for (const [i, mount] of mounts.entries()) {
    if (mount.type === 'code_mount') {
      const repo = codeRepoOf(mount, fields[i]!);
      if (repoTargets.has(repo.target))
        throw new InvalidInputError(
          `${fields[i]}.repo_name`,
          `${fields[i]}.repo_name: another code mount already goes to ${repo.target}`,
        );
      repoTargets.add(repo.target);
      continue;
    }
    if (mount.type === 'object_mount' || mount.type === 'file_mount') {
      const path = mount.type === 'object_mount' ? mount.object_path : mount.target;
      if (path.trim() === '' || path.includes('\0')) {
        throw new InvalidInputError(fields[i], `${mount.type}: the path must be a non-empty path`);
      }
      continue;
    }
    throw new UnprocessableError(
      'unsupported_mount',
      `${mount.type} needs Runloop's hosted ${mount.type === 'agent_mount' ? 'agent' : 'axon'} service, which runloop-local does not have; ` +
        'use a code_mount, an object_mount (upload the files as an object) or a file_mount instead',
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
 * Writes every mount into a running devbox, in order; calls `log` with one
 * line per file or object mount (code mounts log their own steps).
 *
 * @example
 * await applyMounts(handle, record.boot.mounts, objects, cloneCode, (line) => logs.add(id, { level: 'info', source: 'setup_commands', message: line }));
 */
export async function applyMounts(
  handle: DevboxHandle,
  mounts: readonly Mount[],
  objects: MountObjects,
  cloneCode: CodeMountCloner,
  log: (line: string) => void,
): Promise<void> {
  for (const mount of mounts) {
    if (mount.type === 'code_mount') {
      await cloneCode(handle, mount);
    } else if (mount.type === 'file_mount') {
      const target = devboxPath(mount.target);
      await writeOwnedFile(handle, target, mount.content);
      log(`file_mount: wrote ${target}`);
    } else if (mount.type === 'object_mount') {
      const target = devboxPath(mount.object_path);
      const object = await objects.open(mount.object_id);
      const archive = ARCHIVES[object.contentType];
      if (archive === undefined) {
        await writeOwnedFile(handle, target, object.body);
        log(`object_mount: wrote ${mount.object_id} to ${target}`);
      } else {
        const result = await unpackArchive(handle, object.body, target, archive);
        const skipped =
          result.skipped.length > 0 ? `; skipped ${result.skipped.length} unsafe or unsupported entries` : '';
        log(`object_mount: unpacked ${mount.object_id} into ${target} (${result.files} files${skipped})`);
      }
    }
  }
}

/**
 * The mounts as kept once applied: code mount tokens are dropped, so the
 * store holds a token only until its clone is done.
 *
 * @example
 * records.update(id, (r) => ({ ...r, mounted: true, boot: { ...r.boot, mounts: withoutTokens(r.boot.mounts) } }));
 */
export function withoutTokens(mounts: readonly Mount[]): Mount[] {
  return mounts.map((m) => (m.type === 'code_mount' && m.token != null ? { ...m, token: null } : m));
}
