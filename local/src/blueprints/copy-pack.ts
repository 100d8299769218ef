/**
 * Packs the entries of one COPY into a tar stream whose names are absolute
 * devbox paths (without the leading `/`), for `tar -x -C /` run as root
 * inside the build devbox. Ownership and mode are set in the headers, so
 * `--chown`/`--chmod` cost nothing extra.
 */
import { createReadStream } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import type { CopyEntry } from './copy-sources.js';

/**
 * Owner and mode applied to every packed entry.
 *
 * @example
 * // COPY --chown=1000:1000 --chmod=644 app/ /srv/app/
 * const owner: PackOwnership = { uid: 1000, gid: 1000, mode: 0o644 };
 */
export interface PackOwnership {
  readonly uid: number;
  readonly gid: number;
  /** `--chmod` as an octal number; absent = the source's own mode. */
  readonly mode?: number;
}

/**
 * A tar stream of `entries`, produced lazily file by file.
 *
 * @example
 * packCopyEntries(plan.entries, { uid: 0, gid: 0 }).pipe(child.stdin);
 */
export function packCopyEntries(entries: readonly CopyEntry[], owner: PackOwnership): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const entry of entries) {
      const base = {
        name: entry.destPath.replace(/^\/+/, ''),
        uid: owner.uid,
        gid: owner.gid,
        mtime: entry.stats.mtime,
        mode: owner.mode ?? entry.stats.mode & 0o7777,
      };
      if (entry.stats.isDirectory()) pack.entry({ ...base, type: 'directory' });
      else if (entry.stats.isSymbolicLink())
        pack.entry({ ...base, type: 'symlink', linkname: await readlink(entry.hostPath) });
      else if (entry.stats.isFile()) {
        const sink = pack.entry({ ...base, type: 'file', size: entry.stats.size });
        await pipeline(createReadStream(entry.hostPath), sink);
      }
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return Readable.from(pack);
}
