/**
 * Object bytes on disk: `<dataDir>/objects/<id>`. Uploads stream into a
 * temporary file that is flushed to disk and renamed into place, so a
 * reader never sees a partial object and an acknowledged upload survives a
 * crash.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import type { ByteRange } from '../http/range.js';

/**
 * Uploaded bytes on disk, not yet visible.
 *
 * @example
 * const staged = await blobs.stage(id, body); await staged.commit();
 */
export interface StagedBlob {
  readonly sizeBytes: number;
  /** Atomically replaces the object's bytes with these. */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * The object byte store of one data dir.
 *
 * @example
 * const blobs = new BlobStore(join(dataDir, 'objects'));
 * const staged = await blobs.stage('obj_1', req, signal);
 * await staged.commit();
 */
export class BlobStore {
  private readonly tmpDir: string;

  constructor(readonly dir: string) {
    this.tmpDir = join(dir, '.tmp');
  }

  /** Creates the directories and removes temp files a crash left behind. */
  async init(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  pathOf(id: string): string {
    return join(this.dir, id);
  }

  /**
   * Streams `body` into a temporary file flushed to disk. Nothing is visible
   * until `commit()` renames it into place; `discard()` drops it.
   */
  async stage(id: string, body: Readable, signal?: AbortSignal): Promise<StagedBlob> {
    const tmp = join(this.tmpDir, `${id}.${randomBytes(6).toString('hex')}`);
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
    });
    const discard = (): Promise<void> => rm(tmp, { force: true });
    try {
      // `flush` fsyncs before close: the bytes are on disk before we acknowledge.
      await pipeline(body, createWriteStream(tmp, { flush: true }), signal ? { signal } : {});
    } catch (error) {
      await discard();
      throw error;
    }
    return {
      sizeBytes: size,
      discard,
      commit: async () => {
        try {
          await rename(tmp, this.pathOf(id));
          await this.syncDir();
        } catch (error) {
          await discard();
          throw error;
        }
      },
    };
  }

  /**
   * Opens an object's bytes, or undefined if there are none. `pick` chooses
   * a byte range once the size is known (it may throw, e.g. a 416).
   */
  async open(
    id: string,
    pick: (size: number) => ByteRange | undefined = () => undefined,
  ): Promise<{ stream: Readable; sizeBytes: number; range?: ByteRange } | undefined> {
    let handle: FileHandle;
    try {
      // Open first: a delete after this point cannot cut the stream short.
      handle = await open(this.pathOf(id), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const info = await handle.stat();
      const range = pick(info.size);
      if (range === undefined) return { stream: handle.createReadStream(), sizeBytes: info.size };
      return { stream: handle.createReadStream({ start: range.start, end: range.end }), sizeBytes: info.size, range };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
