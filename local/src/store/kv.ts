/**
 * A typed key-value table for small configuration: signing secrets, host
 * keys, counters. Values are JSON.
 */
import type Database from 'better-sqlite3';

/**
 * Durable key-value access; every write is committed before it returns.
 *
 * @example
 * store.kv.set('host-key', pem); store.kv.get<string>('host-key');
 */
export interface KeyValue {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /**
   * Returns the stored value, or stores and returns `create()` (atomically).
   *
   * @example
   * const secret = store.kv.getOrCreate('signing-secret', () => randomBytes(32).toString('base64'));
   */
  getOrCreate<T>(key: string, create: () => T): T;
}

/**
 * Builds the key-value API over the `kv` table.
 *
 * @example
 * const kv = createKeyValue(db); kv.set('a', 1);
 */
export function createKeyValue(db: Database.Database): KeyValue {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
  const upsert = db.prepare(
    'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const remove = db.prepare('DELETE FROM kv WHERE key = ?');
  const get = <T>(key: string): T | undefined => {
    const row = select.get(key);
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  };
  return {
    get,
    set: (key, value) => void upsert.run(key, JSON.stringify(value)),
    delete: (key) => void remove.run(key),
    getOrCreate: <T>(key: string, create: () => T): T =>
      db.transaction(() => {
        const existing = get<T>(key);
        if (existing !== undefined) return existing;
        const value = create();
        upsert.run(key, JSON.stringify(value));
        return value;
      })(),
  };
}
