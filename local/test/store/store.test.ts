import { rm } from 'node:fs/promises';
import * as t from 'io-ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toErrorReply } from '../../src/http/errors.js';
import { CursorNotFoundError } from '../../src/store/collection.js';
import { StoredRowError } from '../../src/store/decode.js';
import { isIdOf, newId } from '../../src/store/ids.js';
import { Store } from '../../src/store/store.js';
import { tempDataDir } from '../../../test/support/local-server.js';

interface Doc {
  readonly id: string;
  readonly created: number;
  readonly status: string;
  readonly name: string;
  readonly flag?: boolean;
}
const DocCodec: t.Decoder<unknown, Doc> = t.intersection([
  t.type({ id: t.string, created: t.number, status: t.string, name: t.string }),
  t.partial({ flag: t.boolean }),
]);
const SPEC = {
  codec: DocCodec,
  createdAt: (d: Doc) => d.created,
  indexes: { status: (d: Doc) => d.status, name: (d: Doc) => d.name },
};

describe('Store', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = await tempDataDir();
    store = Store.open(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens state.db in WAL mode with synchronous=FULL', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('puts, gets, updates and deletes documents', () => {
    const docs = store.collection<Doc>('docs', SPEC);
    docs.put({ id: 'a', created: 1, status: 'running', name: 'alpha' });
    expect(docs.get('a')).toEqual({ id: 'a', created: 1, status: 'running', name: 'alpha' });
    expect(docs.update('a', (d) => ({ ...d, status: 'shutdown' }))?.status).toBe('shutdown');
    expect(docs.list({ where: { status: 'shutdown' } }).items.map((d) => d.id)).toEqual(['a']);
    expect(docs.update('missing', (d) => d)).toBeUndefined();
    expect(docs.delete('a')).toBe(true);
    expect(docs.delete('a')).toBe(false);
    expect(docs.get('a')).toBeUndefined();
  });

  it('pages newest first (or oldest first) by creation then id, with a cursor and a total', () => {
    const docs = store.collection<Doc>('docs', SPEC);
    for (const [id, created] of [
      ['b', 2],
      ['a', 2],
      ['c', 3],
      ['d', 1],
      ['e', 5],
    ] as const) {
      docs.put({ id, created, status: id === 'c' ? 'x' : 'y', name: `n-${id}` });
    }
    const first = docs.list({ limit: 2 });
    expect(first.items.map((d) => d.id)).toEqual(['e', 'c']);
    expect(first).toMatchObject({ hasMore: true, totalCount: 5 });
    const second = docs.list({ limit: 2, startingAfter: 'c' });
    expect(second.items.map((d) => d.id)).toEqual(['b', 'a']);
    const last = docs.list({ limit: 2, startingAfter: 'a' });
    expect(last).toMatchObject({ hasMore: false });
    expect(last.items.map((d) => d.id)).toEqual(['d']);
    expect(docs.list({ order: 'asc', limit: 3 }).items.map((d) => d.id)).toEqual(['d', 'a', 'b']);
    expect(docs.list({ includeTotalCount: false }).totalCount).toBeUndefined();
    expect(() => docs.list({ startingAfter: 'zzz' })).toThrow(CursorNotFoundError);
    expect(docs.all().map((d) => d.id)).toEqual(['d', 'a', 'b', 'c', 'e']);
  });

  it('filters by equality, substring (LIKE wildcards escaped), one-of, not, and OR groups', () => {
    const docs = store.collection<Doc>('docs', SPEC);
    docs.put({ id: 'p1', created: 1, status: 'on', name: '100%_done' });
    docs.put({ id: 'p2', created: 2, status: 'off', name: '100 done' });
    docs.put({ id: 'p3', created: 3, status: 'gone', name: 'other' });
    const ids = (q: Parameters<typeof docs.list>[0]) =>
      docs
        .list(q)
        .items.map((d) => d.id)
        .sort();
    expect(ids({ where: { name: { contains: '%_' } } })).toEqual(['p1']);
    expect(ids({ where: { status: { in: ['on', 'gone'] } } })).toEqual(['p1', 'p3']);
    expect(ids({ where: { status: { not: 'gone' } } })).toEqual(['p1', 'p2']);
    expect(ids({ where: { status: undefined } })).toEqual(['p1', 'p2', 'p3']);
    expect(ids({ anyOf: { id: { contains: 'p3' }, name: { contains: '100 ' } } })).toEqual(['p2', 'p3']);
    expect(docs.count({ status: 'on' })).toBe(1);
    expect(() => docs.list({ where: { nope: 1 } })).toThrow(/no index nope/);
  });

  it('adds a new index column to an existing table and fills it from stored documents', () => {
    store
      .collection<Doc>('docs', { codec: DocCodec, createdAt: (d) => d.created })
      .put({ id: 'a', created: 1, status: 's', name: 'n', flag: true });
    store.close();
    store = Store.open(dir);
    const docs = store.collection<Doc>('docs', {
      codec: DocCodec,
      createdAt: (d) => d.created,
      indexes: { flag: (d) => d.flag ?? null },
    });
    expect(docs.list({ where: { flag: true } }).items.map((d) => d.id)).toEqual(['a']);
    expect(docs.list({ where: { flag: null } }).items).toEqual([]);
  });

  it('decodes rows when read: a row that does not match its codec is a typed error for get, skipped by lists, and reported', () => {
    store.close();
    const bad: StoredRowError[] = [];
    store = Store.open(dir, { onBadRow: (e) => bad.push(e) });
    const docs = store.collection<Doc>('docs', SPEC);
    docs.put({ id: 'good', created: 1, status: 'on', name: 'g' });
    docs.put({ id: 'wrong', created: 2, status: 'on', name: 'w' });
    docs.put({ id: 'torn', created: 3, status: 'on', name: 't' });
    // What another version, or a damaged disk, could leave: a field of the wrong type, and text that is not JSON.
    store.db
      .prepare('UPDATE c_docs SET data = ? WHERE id = ?')
      .run(JSON.stringify({ id: 'wrong', created: 2, status: 7, name: 'w' }), 'wrong');
    store.db.prepare('UPDATE c_docs SET data = ? WHERE id = ?').run('{"id":"torn",', 'torn');
    expect(() => docs.get('wrong')).toThrow(StoredRowError);
    expect(() => docs.update('torn', (d) => d)).toThrow(StoredRowError);
    expect(docs.list().items.map((d) => d.id)).toEqual(['good']);
    expect(docs.all({ status: 'on' }).map((d) => d.id)).toEqual(['good']);
    expect(bad.map((e) => [e.collection, e.id])).toContainEqual(['docs', 'wrong']);
    expect(bad.map((e) => [e.collection, e.id])).toContainEqual(['docs', 'torn']);
    const wrong = bad.find((e) => e.id === 'wrong')!;
    // The problem names the path, never the stored value.
    expect(wrong.problem).toMatch(/row\.status/);
    const reply = toErrorReply(wrong);
    expect(reply).toMatchObject({ status: 500, bug: false, body: { error: 'stored_row_unreadable' } });
    expect(reply.body.message).toMatch(/docs row wrong cannot be read/);
  });

  it('rolls a failed transaction back entirely', () => {
    const docs = store.collection<Doc>('docs', SPEC);
    expect(() =>
      store.transaction(() => {
        docs.put({ id: 'x', created: 1, status: 's', name: 'n' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(docs.get('x')).toBeUndefined();
  });

  it('keeps key-values and documents across reopen, and runs each migration once', () => {
    expect(store.kv.getOrCreate('secret', () => 'first')).toBe('first');
    expect(store.kv.getOrCreate('secret', () => 'second')).toBe('first');
    store.kv.set('obj', { a: [1, 2] });
    let runs = 0;
    const migration = { name: 'test/001', up: () => void runs++ };
    store.migrate([migration]);
    store.close();
    store = Store.open(dir);
    store.migrate([migration]);
    expect(runs).toBe(1);
    expect(store.kv.get('obj')).toEqual({ a: [1, 2] });
    store.kv.delete('obj');
    expect(store.kv.get('obj')).toBeUndefined();
  });
});

describe('newId', () => {
  it('makes prefixed, unique ids that sort by creation time', () => {
    const ids = [newId('dbx', 1_000), newId('dbx', 1_000), newId('dbx', 2_000), newId('dbx', 10_000_000_000)];
    expect(new Set(ids).size).toBe(4);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isIdOf('dbx', id)).toBe(true);
    expect(isIdOf('obj', ids[0]!)).toBe(false);
  });
});
