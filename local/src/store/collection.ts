/**
 * A generic document collection over one SQLite table: JSON documents keyed
 * by id, with a creation time for ordering and a few extracted columns for
 * filtering. Lists page by cursor (`starting_after` = last id seen).
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
 * How to store documents of one kind.
 *
 * @example
 * const spec: CollectionSpec<DevboxRecord> = { createdAt: (d) => d.create_time_ms, indexes: { status: (d) => d.status } };
 */
export interface CollectionSpec<T> {
  /** Creation time in epoch ms: lists are ordered by it, then by id. */
  readonly createdAt: (doc: T) => number;
  /** Filterable columns: name (lower snake case) → extractor. `id` is always filterable. */
  readonly indexes?: Readonly<Record<string, (doc: T) => IndexValue>>;
}

/**
 * A filter on one column: equality, substring, one-of, or not-equal.
 *
 * @example
 * devboxes.list({ where: { status: { in: ['running', 'suspended'] }, name: { contains: 'web' } } });
 */
export type Condition =
  | IndexValue
  | { readonly contains: string }
  | { readonly in: readonly IndexValue[] }
  | { readonly not: IndexValue };

/**
 * One page request.
 *
 * @example
 * devboxes.list({ limit: 10, startingAfter: 'dbx_…', where: { status: 'running' } });
 */
export interface ListQuery {
  /** Page size; default 20, clamped to 1..5000. */
  readonly limit?: number | undefined;
  /** Id of the last item of the previous page. Unknown id ⇒ {@link CursorNotFoundError}. */
  readonly startingAfter?: string | undefined;
  /** All must hold (AND). Keys: `id` or a declared index. `undefined` values are ignored. */
  readonly where?: Readonly<Record<string, Condition | undefined>>;
  /** At least one must hold (OR), e.g. search by id or name. */
  readonly anyOf?: Readonly<Record<string, Condition | undefined>> | undefined;
  /** Default `desc`: newest first. */
  readonly order?: 'asc' | 'desc';
  /** Default true. */
  readonly includeTotalCount?: boolean | undefined;
}

/**
 * One page of results.
 *
 * @example
 * const { items, hasMore, totalCount } = devboxes.list({ limit: 10 });
 */
export interface Page<T> {
  readonly items: T[];
  /** True when another page exists after the last item. */
  readonly hasMore: boolean;
  /** Count of all matches (ignoring the cursor), or undefined when not requested. */
  readonly totalCount: number | undefined;
}

/**
 * Thrown when `startingAfter` names no document of the collection.
 *
 * @example
 * try { devboxes.list({ startingAfter: 'dbx_gone' }); } catch (e) { e instanceof CursorNotFoundError; }
 */
export class CursorNotFoundError extends Error {
  constructor(readonly cursor: string) {
    super(`starting_after ${JSON.stringify(cursor)} does not name an existing item`);
    this.name = 'CursorNotFoundError';
  }
}

/**
 * Durable documents of one kind. All calls are synchronous and committed on return.
 *
 * @example
 * const devboxes: Collection<DevboxRecord> = store.collection('devboxes', spec);
 */
export interface Collection<T extends { readonly id: string }> {
  readonly name: string;
  /** Inserts or replaces a document (index columns recomputed). */
  put(doc: T): T;
  get(id: string): T | undefined;
  /** Removes a document; true when it existed. */
  delete(id: string): boolean;
  /**
   * Read-modify-write in one transaction; returns the new document, or
   * undefined when `id` does not exist.
   *
   * @example
   * devboxes.update(id, (d) => ({ ...d, status: 'running' }));
   */
  update(id: string, change: (doc: T) => T): T | undefined;
  list(query?: ListQuery): Page<T>;
  /** Every matching document, oldest first (for restart recovery, sweeps). */
  all(where?: ListQuery['where']): T[];
  count(where?: ListQuery['where']): number;
}

const COLUMN_NAME = /^[a-z][a-z0-9_]*$/;

function toSql(value: IndexValue): string | number | null {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface Clause {
  readonly sql: string;
  readonly args: Array<string | number | null>;
}

/**
 * Creates the table (and any new index column) for `name` and returns its API.
 *
 * @example
 * const objects = createCollection<ObjectRecord>(db, 'objects', { createdAt: (o) => o.create_time_ms, indexes: { state: (o) => o.state } });
 */
export function createCollection<T extends { readonly id: string }>(
  db: Database.Database,
  name: string,
  spec: CollectionSpec<T>,
): Collection<T> {
  if (!COLUMN_NAME.test(name)) throw new Error(`invalid collection name ${name}`);
  const table = `c_${name}`;
  const indexes = Object.entries(spec.indexes ?? {});
  for (const [column] of indexes) {
    if (!COLUMN_NAME.test(column) || column === 'id') throw new Error(`invalid index column ${column}`);
  }
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, data TEXT NOT NULL)`);
  db.exec(`CREATE INDEX IF NOT EXISTS ${table}_order ON ${table} (created_ms, id)`);
  const existing = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  for (const [column] of indexes) {
    if (!existing.has(`ix_${column}`)) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ix_${column}`);
      // Older rows need the new column filled from their JSON.
      const rows = db.prepare(`SELECT id, data FROM ${table}`).all() as Array<{ id: string; data: string }>;
      const fill = db.prepare(`UPDATE ${table} SET ix_${column} = ? WHERE id = ?`);
      const extract = spec.indexes![column]!;
      for (const row of rows) fill.run(toSql(extract(JSON.parse(row.data) as T)), row.id);
    }
    db.exec(`CREATE INDEX IF NOT EXISTS ${table}_ix_${column} ON ${table} (ix_${column})`);
  }

  const columns = ['id', 'created_ms', 'data', ...indexes.map(([c]) => `ix_${c}`)];
  const upsert = db.prepare(
    `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  const select = db.prepare<[string], { data: string }>(`SELECT data FROM ${table} WHERE id = ?`);
  const selectCursor = db.prepare<[string], { created_ms: number; id: string }>(
    `SELECT created_ms, id FROM ${table} WHERE id = ?`,
  );
  const remove = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  const columnFor = (key: string): string => {
    if (key === 'id') return 'id';
    if (spec.indexes?.[key] === undefined) throw new Error(`collection ${name} has no index ${key}`);
    return `ix_${key}`;
  };

  const conditionSql = (key: string, condition: Condition): Clause => {
    const column = columnFor(key);
    if (condition === null) return { sql: `${column} IS NULL`, args: [] };
    if (typeof condition !== 'object') return { sql: `${column} = ?`, args: [toSql(condition)] };
    if ('contains' in condition) {
      return { sql: `${column} LIKE ? ESCAPE '\\'`, args: [`%${escapeLike(condition.contains)}%`] };
    }
    if ('in' in condition) {
      if (condition.in.length === 0) return { sql: '0', args: [] };
      return { sql: `${column} IN (${condition.in.map(() => '?').join(', ')})`, args: condition.in.map(toSql) };
    }
    if (condition.not === null) return { sql: `${column} IS NOT NULL`, args: [] };
    return { sql: `(${column} IS NULL OR ${column} != ?)`, args: [toSql(condition.not)] };
  };

  const filterSql = (where: ListQuery['where'], anyOf: ListQuery['anyOf']): Clause => {
    const parts: string[] = [];
    const args: Array<string | number | null> = [];
    for (const [key, condition] of Object.entries(where ?? {})) {
      if (condition === undefined) continue;
      const clause = conditionSql(key, condition);
      parts.push(clause.sql);
      args.push(...clause.args);
    }
    const alternatives = Object.entries(anyOf ?? {}).filter(([, c]) => c !== undefined) as Array<[string, Condition]>;
    if (alternatives.length > 0) {
      const clauses = alternatives.map(([key, condition]) => conditionSql(key, condition));
      parts.push(`(${clauses.map((c) => c.sql).join(' OR ')})`);
      for (const clause of clauses) args.push(...clause.args);
    }
    return { sql: parts.length === 0 ? '1' : parts.join(' AND '), args };
  };

  const rowFor = (doc: T): Array<string | number | null> => [
    doc.id,
    spec.createdAt(doc),
    JSON.stringify(doc),
    ...indexes.map(([, extract]) => toSql(extract(doc))),
  ];

  const get = (id: string): T | undefined => {
    const row = select.get(id);
    return row === undefined ? undefined : (JSON.parse(row.data) as T);
  };

  return {
    name,
    put: (doc) => {
      upsert.run(...rowFor(doc));
      return doc;
    },
    get,
    delete: (id) => remove.run(id).changes > 0,
    update: (id, change) =>
      db.transaction(() => {
        const current = get(id);
        if (current === undefined) return undefined;
        const next = change(current);
        upsert.run(...rowFor(next));
        return next;
      })(),
    list: (query = {}) => {
      const limit = Math.min(5000, Math.max(1, Math.floor(query.limit ?? 20)));
      const order = query.order === 'asc' ? 'ASC' : 'DESC';
      const filter = filterSql(query.where, query.anyOf);
      let cursorSql = '1';
      const cursorArgs: Array<string | number> = [];
      if (query.startingAfter !== undefined) {
        const cursor = selectCursor.get(query.startingAfter);
        if (cursor === undefined) throw new CursorNotFoundError(query.startingAfter);
        cursorSql = `(created_ms, id) ${order === 'ASC' ? '>' : '<'} (?, ?)`;
        cursorArgs.push(cursor.created_ms, cursor.id);
      }
      const rows = prepared(
        `SELECT data FROM ${table} WHERE ${filter.sql} AND ${cursorSql} ORDER BY created_ms ${order}, id ${order} LIMIT ?`,
      ).all(...filter.args, ...cursorArgs, limit + 1) as Array<{ data: string }>;
      const totalCount =
        query.includeTotalCount === false
          ? undefined
          : (prepared(`SELECT COUNT(*) AS n FROM ${table} WHERE ${filter.sql}`).get(...filter.args) as { n: number }).n;
      return {
        items: rows.slice(0, limit).map((r) => JSON.parse(r.data) as T),
        hasMore: rows.length > limit,
        totalCount,
      };
    },
    all: (where) => {
      const filter = filterSql(where, undefined);
      const rows = prepared(`SELECT data FROM ${table} WHERE ${filter.sql} ORDER BY created_ms, id`).all(
        ...filter.args,
      ) as Array<{ data: string }>;
      return rows.map((r) => JSON.parse(r.data) as T);
    },
    count: (where) => {
      const filter = filterSql(where, undefined);
      return (prepared(`SELECT COUNT(*) AS n FROM ${table} WHERE ${filter.sql}`).get(...filter.args) as { n: number }).n;
    },
  };
}
