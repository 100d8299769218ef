/**
 * Explicit teardown for devboxes made outside the scoped form
 * (`blueprint.createDevbox`, `snapshot.createDevbox`, `fromId` of one we own).
 */
import {
  concatMap,
  dematerialize,
  endWith,
  ignoreElements,
  materialize,
  of,
  type MonoTypeOperatorFunction,
} from 'rxjs';
import type { Devbox } from '../../src/index.js';

/**
 * Shuts `devbox` down once the source completes or errors, and only then
 * passes the completion (or the error) on, so a script never ends with the
 * devbox still running.
 *
 * @example
 * blueprint.createDevbox().pipe(switchMap((d) => d.cmd.exec('ls').pipe(shutdownAfter(d))));
 */
export function shutdownAfter<T>(devbox: Devbox): MonoTypeOperatorFunction<T> {
  return (source) =>
    source.pipe(
      materialize(),
      concatMap((notification) =>
        notification.kind === 'N' ? of(notification) : devbox.shutdown().pipe(ignoreElements(), endWith(notification)),
      ),
      dematerialize(),
    );
}
