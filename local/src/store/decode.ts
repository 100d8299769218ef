/**
 * Stored rows are decoded with their collection's io-ts codec when read,
 * never cast: a row written by an older version, or damaged on disk, is
 * found at the read that meets it, as a typed {@link StoredRowError}.
 */
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { OperationFailedError } from '../errors.js';
import { describeErrors } from '../http/validate.js';

/**
 * A stored row that is not valid JSON or does not match its codec. The
 * request that meets it gets a 500 `stored_row_unreadable` naming the row
 * (never a crash); lists and sweeps skip it. Either way it is reported to
 * the store's `onBadRow` (the server logs it).
 *
 * @example
 * try { devboxes.get(id); } catch (e) { if (e instanceof StoredRowError) log(e.collection, e.id, e.problem); }
 */
export class StoredRowError extends OperationFailedError {
  override name = 'StoredRowError';
  constructor(
    readonly collection: string,
    readonly id: string,
    /** What is wrong, by path (`row.status: expected …`), never the stored values. */
    readonly problem: string,
  ) {
    super(
      'stored_row_unreadable',
      `stored ${collection} row ${id} cannot be read (logged); it may come from another version of runloop-local`,
    );
  }
}

/**
 * Called for each row that fails to decode.
 *
 * @example
 * const onBadRow: BadRowHandler = (error) => log.error('unreadable stored row', { collection: error.collection, id: error.id, problem: error.problem });
 */
export type BadRowHandler = (error: StoredRowError) => void;

/**
 * The row's document decoded by `codec`, or a {@link StoredRowError}.
 *
 * @example
 * const doc = decodeRow(DevboxRecordCodec, 'devboxes', row.id, row.data);
 */
export function decodeRow<T>(codec: t.Decoder<unknown, T>, collection: string, id: string, data: string): T {
  let json: unknown;
  try {
    json = JSON.parse(data) as unknown;
  } catch {
    throw new StoredRowError(collection, id, 'not valid JSON');
  }
  const result = codec.decode(json);
  if (isLeft(result)) throw new StoredRowError(collection, id, describeErrors('row', result.left));
  return result.right;
}
