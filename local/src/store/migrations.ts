/**
 * Schema migrations: each runs once per database, recorded by name in the
 * `migrations` table, inside a transaction with its record.
 */
import type Database from 'better-sqlite3';

/**
 * One named schema step. Names are permanent: never rename or edit a shipped one.
 *
 * @example
 * const m: Migration = { name: 'tunnels/001-keys', up: (db) => db.exec('CREATE TABLE tunnel_keys (key TEXT PRIMARY KEY)') };
 */
export interface Migration {
  readonly name: string;
  readonly up: (db: Database.Database) => void;
}

/**
 * The store's own tables. Services add theirs via `store.migrate`.
 *
 * @example
 * applyMigrations(db, CORE_MIGRATIONS);
 */
export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    name: 'core/001-kv',
    up: (db) => db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)'),
  },
];

/**
 * Applies every migration not yet recorded, in order.
 *
 * @example
 * applyMigrations(db, CORE_MIGRATIONS);
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)');
  const applied = db.prepare('SELECT 1 FROM migrations WHERE name = ?');
  const record = db.prepare('INSERT INTO migrations (name, applied_ms) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.get(migration.name) !== undefined) continue;
    db.transaction(() => {
      migration.up(db);
      record.run(migration.name, Date.now());
    })();
  }
}
