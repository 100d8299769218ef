/**
 * How a storage object is stored, and how it is shown (ObjectView).
 */
import * as t from 'io-ts';
import { ObjectContentTypeStrict, ObjectStateStrict, type ObjectView } from 'runloop-rx/views';
import { nullable, StoredStringMap } from '../store/codecs.js';
import type { CollectionSpec } from '../store/collection.js';

/**
 * A storage object as persisted.
 *
 * @example
 * objects.records.get(id)?.state // 'READ_ONLY'
 */
export interface ObjectRecord {
  readonly id: string;
  readonly name: string;
  readonly content_type: ObjectContentTypeStrict;
  readonly create_time_ms: number;
  readonly state: ObjectStateStrict;
  readonly delete_after_time_ms: number | null;
  readonly metadata: Record<string, string> | null;
  /** Null until bytes were uploaded. */
  readonly size_bytes: number | null;
}

/**
 * The `objects` collection: filter by state, content type, name; sweep by expiry.
 *
 * @example
 * store.collection('objects', OBJECTS_COLLECTION)
 */
export const OBJECTS_COLLECTION: CollectionSpec<ObjectRecord> = {
  codec: t.type({
    id: t.string,
    name: t.string,
    content_type: ObjectContentTypeStrict,
    create_time_ms: t.number,
    state: ObjectStateStrict,
    delete_after_time_ms: nullable(t.number),
    metadata: nullable(StoredStringMap),
    size_bytes: nullable(t.number),
  }),
  createdAt: (o) => o.create_time_ms,
  indexes: {
    state: (o) => o.state,
    content_type: (o) => o.content_type,
    name: (o) => o.name,
    delete_after: (o) => o.delete_after_time_ms,
  },
};

/**
 * The API view of a record (no upload URL; the create response adds it).
 *
 * @example
 * json(toObjectView(record))
 */
export function toObjectView(record: ObjectRecord): ObjectView {
  return {
    id: record.id,
    name: record.name,
    content_type: record.content_type,
    create_time_ms: record.create_time_ms,
    state: record.state,
    delete_after_time_ms: record.delete_after_time_ms,
    metadata: record.metadata ?? {},
    size_bytes: record.size_bytes,
  };
}

/**
 * The MIME type served for a content type on download.
 *
 * @example
 * mimeTypeOf('tgz') // 'application/gzip'
 */
export function mimeTypeOf(contentType: ObjectContentTypeStrict): string {
  switch (contentType) {
    case 'text':
      return 'text/plain; charset=utf-8';
    case 'gzip':
    case 'tgz':
      return 'application/gzip';
    case 'tar':
      return 'application/x-tar';
    default:
      return 'application/octet-stream';
  }
}
