/**
 * How a secret is kept in the store, and the only shape the API ever shows
 * of it: the view has no value.
 */
import * as t from 'io-ts';
import type { CollectionSpec } from '../store/collection.js';

/**
 * The stored form of one secret (`state.db`, under the 0700 data dir, file mode 0600).
 *
 * @example
 * const record: SecretRecord = { id: 'sec_…', name: 'DB_PASS', value: 'hunter2', create_time_ms: 1, update_time_ms: 1 };
 */
export interface SecretRecord {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly create_time_ms: number;
  readonly update_time_ms: number;
}

/**
 * What every secret route answers (the official `SecretView`): never the value.
 *
 * @example
 * const view: SecretView = toSecretView(record); // { id, name, create_time_ms, update_time_ms }
 */
export interface SecretView {
  readonly id: string;
  readonly name: string;
  readonly create_time_ms: number;
  readonly update_time_ms: number;
}

/**
 * Store layout of secrets: newest first, looked up by name.
 *
 * @example
 * const secrets = store.collection('secrets', SECRET_COLLECTION);
 */
export const SECRET_COLLECTION: CollectionSpec<SecretRecord> = {
  codec: t.type({ id: t.string, name: t.string, value: t.string, create_time_ms: t.number, update_time_ms: t.number }),
  createdAt: (s) => s.create_time_ms,
  indexes: { name: (s) => s.name },
};

/**
 * The public view of a record: the value is left out by construction (fields are picked, not spread).
 *
 * @example
 * return json(toSecretView(record));
 */
export function toSecretView(record: SecretRecord): SecretView {
  return {
    id: record.id,
    name: record.name,
    create_time_ms: record.create_time_ms,
    update_time_ms: record.update_time_ms,
  };
}
