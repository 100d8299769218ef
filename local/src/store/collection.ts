/**
 * A document collection over one SQLite table: JSON documents keyed by id,
 * with a creation time for ordering and a few extracted columns for
 * filtering. Lists page by cursor (`starting_after` = last id seen). The
 * table is `schema.ts`, the filters `queries.ts`; every document read is
 * decoded with the collection's codec (`decode.ts`), never cast.
 */
import type Database from 'better-sqlite3';
import type * as t from 'io-ts';
import { InvalidInputError } from '../errors.js';
import { clip } from '../http/clip.js';
import { decodeRow, StoredRowError, type BadRowHandler } from './decode.js';
import { filterSql, statementCache, type Condition, type Filter } from './queries.js';
import { createSchema, type IndexValue } from './schema.js';

export type { Condition, IndexValue };

/**
 * How to store documents of one kind.
 *
 * @example
 * const spec: CollectionSpec<DevboxRecord> = { codec: DevboxRecordCodec, createdAt: (d) => d.create_time_ms, indexes: { status: (d) => d.status } };
 */
export interface CollectionSpec<T> {
  /** Decodes a stored document when it is read: rows are checked, never cast. */
  readonly codec: t.Decoder<unknown, T>;
  /** Creation time in epoch ms: lists are ordered by it, then by id. */
  readonly createdAt: (doc: T) => number;
  /** Filterable columns: name (lower snake case) → extractor. `id` is always filterable. */
  readonly indexes?: Readonly<Record<string, (doc: T) => IndexValue>>;
}

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
  readonly where?: Filter;
  /** At least one must hold (OR), e.g. search by id or name. */
  readonly anyOf?: Filter | undefined;
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
 * Thrown when `startingAfter` names no document of the collection: bad
 * input about `starting_after` (a 400 `invalid_cursor`).
 *
 * @example
 * try { devboxes.list({ startingAfter: 'dbx_gone' }); } catch (e) { e instanceof CursorNotFoundError; }
 */
export class CursorNotFoundError extends InvalidInputError {
  override name = 'CursorNotFoundError';
  constructor(readonly cursor: string) {
    super(
      'query.starting_after',
      `starting_after ${JSON.stringify(clip(cursor))} does not name an existing item`,
      'invalid_cursor',
    );
  }
}

/**
 * Durable documents of one kind. All calls are synchronous and committed on
 * return. `get` and `update` of a row that does not decode throw a
 * {@link StoredRowError}; `list` and `all` leave such rows out. Both report
 * it to the store's `onBadRow`.
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

interface Row {
  readonly id: string;
  readonly data: string;
}

/**
 * Creates the table (and any new index column) for `name` and returns its API.
 *
 * @example
 * const objects = createCollection<ObjectRecord>(db, 'objects', OBJECTS_COLLECTION, (e) => log.error(e.message));
 */
export function createCollection<T extends { readonly id: string }>(
  db: Database.Database,
  name: string,
  spec: CollectionSpec<T>,
  onBadRow: BadRowHandler = () => undefined,
): Collection<T> {
  const decode = (row: Row): T => {
    try {
      return decodeRow(spec.codec, name, row.id, row.data);
    } catch (error) {
      if (error instanceof StoredRowError) onBadRow(error);
      throw error;
    }
  };
  // Lists and sweeps go on past a row they cannot read: one bad row must not hide the others.
  const decodeAll = (rows: readonly Row[]): T[] =>
    rows.flatMap((row) => {
      try {
        return [decode(row)];
      } catch (error) {
        if (error instanceof StoredRowError) return [];
        throw error;
      }
    });
  const schema = createSchema(db, name, spec.indexes ?? {}, spec.createdAt, (table) =>
    decodeAll(db.prepare(`SELECT id, data FROM ${table}`).all() as Row[]),
  );
  const { table } = schema;
  const prepared = statementCache(db);
  const select = db.prepare<[string], Row>(`SELECT id, data FROM ${table} WHERE id = ?`);
  const selectCursor = db.prepare<[string], { created_ms: number; id: string }>(
    `SELECT created_ms, id FROM ${table} WHERE id = ?`,
  );
  const remove = db.prepare(`DELETE FROM ${table} WHERE id = ?`);

  const get = (id: string): T | undefined => {
    const row = select.get(id);
    return row === undefined ? undefined : decode(row);
  };

  return {
    name,
    put: (doc) => {
      schema.upsert.run(...schema.rowFor(doc));
      return doc;
    },
    get,
    delete: (id) => remove.run(id).changes > 0,
    update: (id, change) =>
      db.transaction(() => {
        const current = get(id);
        if (current === undefined) return undefined;
        const next = change(current);
        schema.upsert.run(...schema.rowFor(next));
        return next;
      })(),
    list: (query = {}) => {
      const limit = Math.min(5000, Math.max(1, Math.floor(query.limit ?? 20)));
      const order = query.order === 'asc' ? 'ASC' : 'DESC';
      const filter = filterSql(query.where, query.anyOf, schema.columnFor);
      let cursorSql = '1';
      const cursorArgs: Array<string | number> = [];
      if (query.startingAfter !== undefined) {
        const cursor = selectCursor.get(query.startingAfter);
        if (cursor === undefined) throw new CursorNotFoundError(query.startingAfter);
        cursorSql = `(created_ms, id) ${order === 'ASC' ? '>' : '<'} (?, ?)`;
        cursorArgs.push(cursor.created_ms, cursor.id);
      }
      const rows = prepared(
        `SELECT id, data FROM ${table} WHERE ${filter.sql} AND ${cursorSql} ORDER BY created_ms ${order}, id ${order} LIMIT ?`,
      ).all(...filter.args, ...cursorArgs, limit + 1) as Row[];
      const totalCount =
        query.includeTotalCount === false
          ? undefined
          : (prepared(`SELECT COUNT(*) AS n FROM ${table} WHERE ${filter.sql}`).get(...filter.args) as { n: number }).n;
      return { items: decodeAll(rows.slice(0, limit)), hasMore: rows.length > limit, totalCount };
    },
    all: (where) => {
      const filter = filterSql(where, undefined, schema.columnFor);
      return decodeAll(
        prepared(`SELECT id, data FROM ${table} WHERE ${filter.sql} ORDER BY created_ms, id`).all(
          ...filter.args,
        ) as Row[],
      );
    },
    count: (where) => {
      const filter = filterSql(where, undefined, schema.columnFor);
      return (prepared(`SELECT COUNT(*) AS n FROM ${table} WHERE ${filter.sql}`).get(...filter.args) as { n: number })
        .n;
    },
  };
}
