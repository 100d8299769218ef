/**
 * Storage object views, parameters and queries (runloop-api.md §12).
 */
import * as t from 'io-ts';
import { listOf } from './list.js';
import { intRange, nullable, openEnum, PageQuery, queryInt, StringMap } from './shared.js';
import { Metadata, NonEmptyName } from './limits.js';

/**
 * What an object holds; decides how a mount places it (archives are unpacked).
 *
 * @example
 * ObjectContentType.strict.is('zip'); // false
 */
export const ObjectContentType = openEnum('ObjectContentType', ['unspecified', 'text', 'binary', 'gzip', 'tar', 'tgz']);
export type ObjectContentType = t.TypeOf<typeof ObjectContentType>;
/** @example ObjectContentTypeStrict.is('tgz') // true */
export const ObjectContentTypeStrict = ObjectContentType.strict;
export type ObjectContentTypeStrict = t.TypeOf<typeof ObjectContentTypeStrict>;

/**
 * An object's lifecycle state: UPLOADING → READ_ONLY (or ERROR), DELETED after delete.
 *
 * @example
 * ObjectState.isKnown('READ_ONLY'); // true
 */
export const ObjectState = openEnum('ObjectState', ['UPLOADING', 'READ_ONLY', 'DELETED', 'ERROR']);
export type ObjectState = t.TypeOf<typeof ObjectState>;
/** @example ObjectStateStrict.is('GONE') // false */
export const ObjectStateStrict = ObjectState.strict;
export type ObjectStateStrict = t.TypeOf<typeof ObjectStateStrict>;

/**
 * A storage object. `upload_url` is present only in the create response.
 *
 * @example
 * ObjectView.is({ id: 'obj_1', name: 'a.txt', content_type: 'text', create_time_ms: 1, state: 'UPLOADING' }); // true
 */
export const ObjectView = t.intersection(
  [
    t.type({
      id: t.string,
      name: t.string,
      content_type: ObjectContentType,
      create_time_ms: t.number,
      state: ObjectState,
    }),
    t.partial({
      delete_after_time_ms: nullable(t.number),
      metadata: nullable(StringMap),
      size_bytes: nullable(t.number),
      upload_url: nullable(t.string),
    }),
  ],
  'ObjectView',
);
export type ObjectView = t.TypeOf<typeof ObjectView>;

/**
 * Body of an object create. `ttl_ms` schedules deletion after creation.
 *
 * @example
 * ObjectCreateParams.is({ name: 'ctx.tgz', content_type: 'tgz', ttl_ms: 3600000 }); // true
 */
export const ObjectCreateParams = t.intersection(
  [
    t.type({ name: NonEmptyName, content_type: ObjectContentTypeStrict }),
    t.partial({ metadata: nullable(Metadata), ttl_ms: nullable(intRange(1)) }),
  ],
  'ObjectCreateParams',
);
export type ObjectCreateParams = t.TypeOf<typeof ObjectCreateParams>;

/**
 * Query of the object lists. `name` matches partially; `search` matches an id or a name.
 *
 * @example
 * ObjectListQuery.decode({ state: 'READ_ONLY', limit: '50' }); // right({ state: 'READ_ONLY', limit: 50 })
 */
export const ObjectListQuery = t.intersection(
  [
    PageQuery,
    t.partial({ content_type: ObjectContentTypeStrict, name: t.string, search: t.string, state: ObjectStateStrict }),
  ],
  'ObjectListQuery',
);
export type ObjectListQuery = t.TypeOf<typeof ObjectListQuery>;

/**
 * A page of objects.
 *
 * @example
 * ObjectListView.is({ objects: [], has_more: false }); // true
 */
export const ObjectListView = listOf('objects', ObjectView, 'ObjectListView');
export type ObjectListView = t.TypeOf<typeof ObjectListView>;

/** Default lifetime of a download URL, in seconds. @example query.duration_seconds ?? DEFAULT_DOWNLOAD_URL_SECONDS */
export const DEFAULT_DOWNLOAD_URL_SECONDS = 3600;

/**
 * Query of the object `download` endpoint: URL lifetime, a positive integer.
 *
 * @example
 * ObjectDownloadQuery.decode({ duration_seconds: '0' })._tag; // 'Left'
 */
export const ObjectDownloadQuery = t.partial({ duration_seconds: queryInt(1) }, 'ObjectDownloadQuery');
export type ObjectDownloadQuery = t.TypeOf<typeof ObjectDownloadQuery>;

/** @example ObjectDownloadUrlView.is({ download_url: 'http://127.0.0.1/o/1?sig=…' }) // true */
export const ObjectDownloadUrlView = t.type({ download_url: t.string }, 'ObjectDownloadUrlView');
export type ObjectDownloadUrlView = t.TypeOf<typeof ObjectDownloadUrlView>;
