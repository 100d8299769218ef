/**
 * The schema of one collection: its table `c_<name>` (id, creation time,
 * the JSON document) and one `ix_<column>` per declared index, added (and
 * filled from the stored documents) when a new version declares it.
 */
import type Database from 'better-sqlite3';

/**
 * A value an index column can hold. Booleans are stored as 0/1.
 *
 * @example
 * const spec = { createdAt: (d: Doc) => d.t, indexes: { running: (d: Doc): IndexValue => d.running } };
 */
export type IndexValue = string | number | boolean | null;

/**
 * What SQLite stores for an index value.
 *
 * @example
 * const stored: SqlValue = value === true ? 1 : value === false ? 0 : value;
 */
export type SqlValue = string | number | null;

/**
 * The columns of a collection and how a document fills them.
 *
 * @example
 * const schema = createSchema(db, 'devboxes', { status: (d) => d.status }, (d) => d.create_time_ms, readAll);
 */
export interface Schema<T> {
  readonly table: string;
  /** The SQL column of a filterable key (`id` or a declared index); throws for others (a bug). */
  columnFor(key: string): string;
  /** The statement that inserts or replaces one document. */
  readonly upsert: Database.Statement;
  /** The values of one row, in the order `upsert` takes them. */
  rowFor(doc: T): SqlValue[];
}

const NAME = /^[a-z][a-z0-9_]*$/;

/**
 * An index value as SQLite stores it.
 *
 * @example
 * toSql(true) // 1
 */
export function toSql(value: IndexValue): SqlValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/**
 * Creates the table (and any new index column) for `name`. `readAll` gives
 * the decoded documents of an existing table, to fill a new column.
 *
 * @example
 * const schema = createSchema(db, 'objects', { state: (o) => o.state }, (o) => o.create_time_ms, () => []);
 */
export function createSchema<T extends { readonly id: string }>(
  db: Database.Database,
  name: string,
  indexes: Readonly<Record<string, (doc: T) => IndexValue>>,
  createdAt: (doc: T) => number,
  readAll: (table: string) => T[],
): Schema<T> {
  if (!NAME.test(name)) throw new Error(`invalid collection name ${name}`);
  const table = `c_${name}`;
  const entries = Object.entries(indexes);
  for (const [column] of entries) {
    if (!NAME.test(column) || column === 'id') throw new Error(`invalid index column ${column}`);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, data TEXT NOT NULL)`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${table}_order ON ${table} (created_ms, id)`);
  const existing = new Set(
    (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name),
  );
  for (const [column, extract] of entries) {
    if (!existing.has(`ix_${column}`)) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ix_${column}`);
      // Older rows need the new column filled from their documents (unreadable ones stay NULL).
      const fill = db.prepare(`UPDATE ${table} SET ix_${column} = ? WHERE id = ?`);
      for (const doc of readAll(table)) fill.run(toSql(extract(doc)), doc.id);
    }
    db.exec(`CREATE INDEX IF NOT EXISTS ${table}_ix_${column} ON ${table} (ix_${column})`);
  }
  const columns = ['id', 'created_ms', 'data', ...entries.map(([c]) => `ix_${c}`)];
  return {
    table,
    columnFor: (key) => {
      if (key === 'id') return 'id';
      if (indexes[key] === undefined) throw new Error(`collection ${name} has no index ${key}`);
      return `ix_${key}`;
    },
    upsert: db.prepare(
      `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    ),
    rowFor: (doc) => [
      doc.id,
      createdAt(doc),
      JSON.stringify(doc),
      ...entries.map(([, extract]) => toSql(extract(doc))),
    ],
  };
}
