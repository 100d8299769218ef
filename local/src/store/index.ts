/** The store: durable documents, key-value config, ids. */
export { Store } from './store.js';
export type { Collection, CollectionSpec, Condition, IndexValue, ListQuery, Page } from './collection.js';
export { CursorNotFoundError } from './collection.js';
export { StoredRowError } from './decode.js';
export type { BadRowHandler } from './decode.js';
export type { KeyValue } from './kv.js';
export type { Migration } from './migrations.js';
export { ID_PREFIX, isIdOf, newId } from './ids.js';
export { acquireDataDirLock, DataDirLockedError } from './lock.js';
