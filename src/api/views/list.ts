/**
 * The list envelope shared by every paginated endpoint (runloop-api.md §4):
 * `{ <items-key>: [...], has_more, total_count? }`.
 */
import * as t from 'io-ts';
import { nullable } from './shared.js';

/** The codec of a list envelope whose items live under `K`. @example const C: ListC<'objects', typeof ObjectView> = ObjectListView; */
export type ListC<K extends string, C extends t.Mixed> = t.IntersectionC<
  [
    t.TypeC<Record<K, t.ArrayC<C>> & { has_more: t.BooleanC }>,
    t.PartialC<{ total_count: t.UnionC<[t.NumberC, t.NullC]> }>,
  ]
>;

/**
 * Builds a list envelope codec.
 *
 * @example
 * const DevboxListView = listOf('devboxes', DevboxView, 'DevboxListView');
 * DevboxListView.is({ devboxes: [], has_more: false }); // true
 */
export function listOf<K extends string, C extends t.Mixed>(key: K, item: C, name?: string): ListC<K, C> {
  const required = { [key]: t.array(item), has_more: t.boolean } as Record<K, t.ArrayC<C>> & { has_more: t.BooleanC };
  return t.intersection([t.type(required), t.partial({ total_count: nullable(t.number) })], name);
}
