import { endWith, ignoreElements, type OperatorFunction } from 'rxjs';

/**
 * For a call whose answer carries nothing users need: emits one `undefined`
 * when the source completes, so the type says "done" (`Observable<void>`)
 * and `lastValueFrom` resolves rather than throwing `EmptyError`.
 *
 * @example
 * api.blueprints.delete('bpt_1').pipe(asVoid()).subscribe(() => console.log('deleted'));
 */
export function asVoid<T>(): OperatorFunction<T, void> {
  return (source) => source.pipe(ignoreElements(), endWith(undefined));
}
