/**
 * Storage object operations (runloop-api.md §12), independent of HTTP
 * routing: create, upload, complete, list, presign, open, delete, expire.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectContentTypeStrict, ObjectCreateParams, ObjectListQuery, ObjectView } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';
import type { ByteRange } from '../http/range.js';
import { ForbiddenError, NotFoundError, OperationFailedError, WrongStateError } from '../errors.js';
import type { Collection, Page } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import { BlobStore } from './blobs.js';
import { presignUrl, verifyPresigned, type PresignedOp } from './presign.js';
import { OBJECTS_COLLECTION, toObjectView, type ObjectRecord } from './record.js';

/**
 * How long an upload URL stays valid.
 *
 * @example
 * presignUrl(baseUrl, secret, 'upload', id, now + UPLOAD_URL_TTL_MS)
 */
export const UPLOAD_URL_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * An object's bytes, opened for reading.
 *
 * @example
 * const { stream, sizeBytes, contentType } = await ctx.services.objects.open(id);
 */
export interface ObjectContent {
  readonly stream: Readable;
  readonly sizeBytes: number;
  readonly contentType: ObjectContentTypeStrict;
  readonly name: string;
  /** Set when a range was picked: `stream` holds just those bytes. */
  readonly range?: ByteRange;
}

/**
 * What other services may use: `ctx.services.objects`.
 *
 * @example
 * const view = ctx.services.objects.view(objectId);
 */
export interface ObjectsApi {
  /**
   * Opens a READ_ONLY object's bytes as a stream (mounts, build contexts).
   * Unknown id ⇒ NotFoundError; not READ_ONLY ⇒ WrongStateError.
   *
   * @example
   * const { stream, contentType } = await ctx.services.objects.open(objectId);
   */
  open(id: string, pick?: (size: number) => ByteRange | undefined): Promise<ObjectContent>;
  /** The view of an object; unknown id ⇒ NotFoundError. */
  view(id: string): ObjectView;
}

declare module '../context.js' {
  interface ServiceMap {
    objects: ObjectsApi;
  }
}

/**
 * The object store of one server.
 *
 * @example
 * const objects = new StorageObjects(ctx);
 * const view = objects.create({ name: 'a.txt', content_type: 'text' }, baseUrl);
 */
export class StorageObjects implements ObjectsApi {
  readonly records: Collection<ObjectRecord>;
  readonly blobs: BlobStore;
  private readonly commits = new Map<string, Promise<ObjectRecord>>();
  /** Told about each new expiry time, so the sweeper can wake in time. */
  onExpiryScheduled: (atMs: number) => void = () => undefined;

  constructor(private readonly ctx: ServerContext) {
    this.records = ctx.store.collection('objects', OBJECTS_COLLECTION);
    this.blobs = new BlobStore(join(ctx.config.dataDir, 'objects'));
  }

  /** Creates an UPLOADING object; the view carries a presigned `upload_url`. */
  create(params: ObjectCreateParams, baseUrl: string): ObjectView {
    const now = this.ctx.now();
    const ttl = params.ttl_ms ?? null;
    const record = this.records.put({
      id: newId(ID_PREFIX.object, now),
      name: params.name,
      content_type: params.content_type,
      create_time_ms: now,
      state: 'UPLOADING',
      delete_after_time_ms: ttl === null ? null : now + ttl,
      metadata: params.metadata ?? null,
      size_bytes: null,
    });
    if (record.delete_after_time_ms !== null) this.onExpiryScheduled(record.delete_after_time_ms);
    const uploadUrl = this.presign(baseUrl, 'upload', record.id, now + UPLOAD_URL_TTL_MS);
    return { ...toObjectView(record), upload_url: uploadUrl };
  }

  /** The record, or 404. An expired object is deleted on the spot. */
  get(id: string): ObjectRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new NotFoundError('object', id);
    if (this.isExpired(record)) return this.markDeleted(record);
    return record;
  }

  view(id: string): ObjectView {
    return toObjectView(this.get(id));
  }

  list(query: ObjectListQuery): Page<ObjectRecord> {
    return this.records.list({
      limit: query.limit,
      startingAfter: query.starting_after,
      includeTotalCount: query.include_total_count,
      where: {
        state: query.state ?? { not: 'DELETED' },
        content_type: query.content_type,
        name: query.name === undefined ? undefined : { contains: query.name },
      },
      anyOf:
        query.search === undefined ? undefined : { id: { contains: query.search }, name: { contains: query.search } },
    });
  }

  /** Stores uploaded bytes (replacing earlier ones) while the object is UPLOADING. */
  async upload(id: string, body: Readable, signal: AbortSignal): Promise<ObjectRecord> {
    this.requireUploading(this.get(id));
    const staged = await this.blobs.stage(id, body, signal);
    // The object may have been completed or deleted while the bytes streamed in.
    const current = this.get(id);
    if (current.state !== 'UPLOADING') {
      await staged.discard();
      this.requireUploading(current);
    }
    // complete() and delete() wait for this, so a READ_ONLY object's bytes never change.
    const committed = (async () => {
      await staged.commit();
      return this.records.update(id, (r) => ({ ...r, size_bytes: staged.sizeBytes })) ?? current;
    })();
    this.commits.set(id, committed);
    try {
      return await committed;
    } finally {
      if (this.commits.get(id) === committed) this.commits.delete(id);
    }
  }

  /** Waits for an upload of `id` that is being moved into place. */
  private async settled(id: string): Promise<void> {
    await this.commits.get(id)?.catch(() => undefined);
  }

  private requireUploading(record: ObjectRecord): void {
    if (record.state !== 'UPLOADING') {
      throw new WrongStateError(
        `object ${record.id} is ${record.state}; only UPLOADING objects accept content`,
        'object_not_uploading',
      );
    }
  }

  /** UPLOADING ⇒ READ_ONLY once content was uploaded; completing twice is harmless. */
  async complete(id: string): Promise<ObjectRecord> {
    await this.settled(id);
    const record = this.get(id);
    if (record.state === 'READ_ONLY') return record;
    if (record.state !== 'UPLOADING') {
      throw new WrongStateError(`object ${id} is ${record.state} and cannot be completed`, 'object_not_uploading');
    }
    if (record.size_bytes === null) {
      throw new WrongStateError(
        `object ${id} has no content yet: PUT it to its upload_url first`,
        'object_not_uploaded',
      );
    }
    return this.records.update(id, (r) => ({ ...r, state: 'READ_ONLY' })) ?? record;
  }

  /** A download URL valid for `durationSeconds`; the object must be READ_ONLY. */
  downloadUrl(id: string, durationSeconds: number, baseUrl: string): string {
    const record = this.get(id);
    if (record.state !== 'READ_ONLY') {
      throw new WrongStateError(
        `object ${id} is ${record.state}; only READ_ONLY objects can be downloaded`,
        'object_not_ready',
      );
    }
    return this.presign(baseUrl, 'download', id, this.ctx.now() + durationSeconds * 1000);
  }

  /** Throws 403 unless the presigned query allows `op` on `id` now. */
  checkPresigned(op: PresignedOp, id: string, query: Readonly<Record<string, string>>): void {
    const check = verifyPresigned(this.ctx.config.signingSecret, op, id, query, this.ctx.now());
    if (check === 'ok') return;
    const why = {
      bad_signature: 'the signature is invalid',
      wrong_op: `the URL does not allow ${op}`,
      expired: 'the URL has expired',
    };
    throw new ForbiddenError(`presigned URL refused: ${why[check]}`);
  }

  async open(id: string, pick?: (size: number) => ByteRange | undefined): Promise<ObjectContent> {
    const record = this.get(id);
    if (record.state !== 'READ_ONLY') {
      throw new WrongStateError(
        `object ${id} is ${record.state}; only READ_ONLY objects can be read`,
        'object_not_ready',
      );
    }
    const content = await this.blobs.open(id, pick);
    if (content === undefined) {
      throw new OperationFailedError('object_content_missing', `object ${id} has lost its content`);
    }
    return { ...content, contentType: record.content_type, name: record.name };
  }

  /** Marks DELETED and removes the bytes; deleting twice is harmless. */
  async delete(id: string): Promise<ObjectRecord> {
    await this.settled(id);
    const record = this.get(id);
    const deleted = record.state === 'DELETED' ? record : this.markDeleted(record);
    await this.blobs.remove(id);
    return deleted;
  }

  /** Deletes every expired object; returns the next expiry time, if any. */
  async sweepExpired(): Promise<number | undefined> {
    const now = this.ctx.now();
    const due = this.records.all({ delete_after: { not: null }, state: { not: 'DELETED' } });
    let next: number | undefined;
    for (const record of due) {
      const at = record.delete_after_time_ms!;
      if (at <= now) await this.delete(record.id);
      else next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  private presign(baseUrl: string, op: PresignedOp, id: string, expiresMs: number): string {
    return presignUrl(baseUrl, this.ctx.config.signingSecret, op, id, expiresMs);
  }

  private isExpired(record: ObjectRecord): boolean {
    return (
      record.state !== 'DELETED' &&
      record.delete_after_time_ms !== null &&
      record.delete_after_time_ms <= this.ctx.now()
    );
  }

  private markDeleted(record: ObjectRecord): ObjectRecord {
    const deleted = this.records.update(record.id, (r) => ({ ...r, state: 'DELETED' })) ?? record;
    // Bytes go asynchronously; they are unreachable once the state is DELETED.
    void this.blobs.remove(record.id).catch(() => undefined);
    return deleted;
  }
}
