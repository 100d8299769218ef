/**
 * The read side of a collection: filters (`where` AND, `anyOf` OR) turned
 * into SQL with bound arguments, and cursor pages ordered by creation time
 * then id. Statements are prepared once per distinct SQL text.
 */
import type Database from 'better-sqlite3';
import { toSql, type IndexValue, type SqlValue } from './schema.js';

/**
 * A filter on one column: equality, substring, one-of, or not-equal.
 *
 * @example
 * devboxes.list({ where: { status: { in: ['running', 'suspended'] }, name: { contains: 'web' } } });
 */
export type Condition =
  IndexValue | { readonly contains: string } | { readonly in: readonly IndexValue[] } | { readonly not: IndexValue };

/**
 * Conditions by column; `undefined` values are ignored.
 *
 * @example
 * const where: Filter = { status: 'running', name: undefined };
 */
export type Filter = Readonly<Record<string, Condition | undefined>>;

/**
 * A WHERE fragment and its arguments.
 *
 * @example
 * const clause: Clause = { sql: 'ix_status = ?', args: ['running'] };
 */
export interface Clause {
  readonly sql: string;
  readonly args: SqlValue[];
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function conditionSql(column: string, condition: Condition): Clause {
  if (condition === null) return { sql: `${column} IS NULL`, args: [] };
  if (typeof condition !== 'object') return { sql: `${column} = ?`, args: [toSql(condition)] };
  if ('contains' in condition)
    return { sql: `${column} LIKE ? ESCAPE '\\'`, args: [`%${escapeLike(condition.contains)}%`] };
  if ('in' in condition) {
    if (condition.in.length === 0) return { sql: '0', args: [] };
    return { sql: `${column} IN (${condition.in.map(() => '?').join(', ')})`, args: condition.in.map(toSql) };
  }
  if (condition.not === null) return { sql: `${column} IS NOT NULL`, args: [] };
  return { sql: `(${column} IS NULL OR ${column} != ?)`, args: [toSql(condition.not)] };
}

/**
 * The WHERE clause for all of `where` and at least one of `anyOf`.
 *
 * @example
 * filterSql({ status: 'running' }, { id: { contains: 'x' }, name: { contains: 'x' } }, (k) => (k === 'id' ? 'id' : `ix_${k}`));
 */
export function filterSql(
  where: Filter | undefined,
  anyOf: Filter | undefined,
  columnFor: (key: string) => string,
): Clause {
  const parts: string[] = [];
  const args: SqlValue[] = [];
  for (const [key, condition] of Object.entries(where ?? {})) {
    if (condition === undefined) continue;
    const clause = conditionSql(columnFor(key), condition);
    parts.push(clause.sql);
    args.push(...clause.args);
  }
  const alternatives = Object.entries(anyOf ?? {}).filter(
    (entry): entry is [string, Condition] => entry[1] !== undefined,
  );
  if (alternatives.length > 0) {
    const clauses = alternatives.map(([key, condition]) => conditionSql(columnFor(key), condition));
    parts.push(`(${clauses.map((c) => c.sql).join(' OR ')})`);
    for (const clause of clauses) args.push(...clause.args);
  }
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), args };
}

/**
 * Prepares each distinct SQL text once.
 *
 * @example
 * const prepared = statementCache(db); prepared('SELECT 1').get();
 */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
