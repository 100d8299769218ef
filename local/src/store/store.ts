/**
 * runloop-local's durable state: one SQLite database, `<dataDir>/state.db`,
 * in WAL mode with `synchronous=FULL` so that nothing acknowledged to a
 * client is lost if the server or the machine crashes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCollection, type Collection, type CollectionSpec } from './collection.js';
import type { BadRowHandler } from './decode.js';
import { createKeyValue, type KeyValue } from './kv.js';
import { applyMigrations, CORE_MIGRATIONS, type Migration } from './migrations.js';

/**
 * The store shared by all services. Calls are synchronous (better-sqlite3)
 * and each write is committed when it returns.
 *
 * @example
 * const store = Store.open('/tmp/data');
 * const devboxes = store.collection('devboxes', DEVBOX_COLLECTION); // { codec, createdAt, indexes }
 * devboxes.put(record);
 * const page = devboxes.list({ limit: 10, where: { status: 'running' } });
 */
export class Store {
  /** Typed key-value for configuration (signing secret, host keys…). */
  readonly kv: KeyValue;
  private readonly collections = new Map<string, Collection<any>>();

  private constructor(
    /** The raw database, for services that need their own tables (see {@link Store.migrate}). */
    readonly db: Database.Database,
    private readonly onBadRow: BadRowHandler | undefined,
  ) {
    applyMigrations(db, CORE_MIGRATIONS);
    this.kv = createKeyValue(db);
  }

  /**
   * Opens (creating if needed) `<dataDir>/state.db`. `onBadRow` hears of
   * every stored row that fails to decode (the server logs it).
   *
   * @example
   * const store = Store.open(dataDir, { onBadRow: (e) => log.error('unreadable stored row', { id: e.id, problem: e.problem }) });
   */
  static open(dataDir: string, options: { readonly onBadRow?: BadRowHandler } = {}): Store {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'state.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return new Store(db, options.onBadRow);
  }

  /**
   * The collection `name` (table `c_<name>`), created on first use. Later
   * calls with the same name return the same instance (the first spec wins).
   *
   * @example
   * const objects = store.collection('objects', OBJECTS_COLLECTION);
   */
  collection<T extends { readonly id: string }>(name: string, spec: CollectionSpec<T>): Collection<T> {
    let collection = this.collections.get(name);
    if (collection === undefined) {
      collection = createCollection(this.db, name, spec, this.onBadRow);
      this.collections.set(name, collection);
    }
    return collection as Collection<T>;
  }

  /**
   * Runs `fn` in one transaction (nested calls become savepoints). `fn` must
   * be synchronous: no awaits inside.
   *
   * @example
   * store.transaction(() => { devboxes.put(a); executions.put(b); });
   */
  transaction<R>(fn: () => R): R {
    return this.db.transaction(fn)();
  }

  /**
   * Applies a service's own schema steps once each (names must be unique,
   * e.g. `snapshots/001-layers`).
   *
   * @example
   * store.migrate([{ name: 'tunnels/001', up: (db) => db.exec('CREATE TABLE …') }]);
   */
  migrate(migrations: readonly Migration[]): void {
    applyMigrations(this.db, migrations);
  }

  /** Closes the database (checkpointing the WAL). Safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }
}
