import { EMPTY, concat, defer, filter, finalize, share, takeWhile, tap, type Observable } from 'rxjs';

/**
 * Shares one read of a positioned stream (lines with a byte `offset`) so
 * that every subscriber gets every item from the start, exactly once and in
 * order, whenever it subscribes, while memory stays flat:
 *
 * - nobody reading (or the read ended): the subscriber starts a new shared
 *   read from 0;
 * - a read is running: the subscriber first re-reads from the server what
 *   was already delivered (its own `read(0)`), and as soon as it has caught
 *   up with the shared read it drops its own request and joins the shared
 *   one, skipping anything it has already seen.
 *
 * Nothing is buffered: older ranges come from the server again, by offset.
 *
 * @example
 * const output$ = shareFromStart((from) => outputLines(api, 'dbx_1', 'exe_1', ['stdout'], { stdout: from }));
 */
export function shareFromStart<L extends { readonly offset: number }>(
  read: (from: number) => Observable<L>,
): Observable<L> {
  let connected = false;
  // The offset after the last item the shared read delivered; 0 = nothing yet.
  let position = 0;
  const live$ = defer(() => {
    connected = true;
    position = 0;
    return read(0).pipe(
      tap((item) => {
        position = item.offset;
      }),
      finalize(() => {
        connected = false;
      }),
    );
  }).pipe(share());
  return defer(() => {
    if (!connected || position === 0) return live$;
    let seen = 0;
    let joinLive = false;
    const catchUp$ = read(0).pipe(
      tap((item) => {
        seen = item.offset;
      }),
      takeWhile(() => {
        joinLive = connected && seen >= position;
        return !joinLive;
      }, true),
    );
    // Joined in the same tick the catch-up reached the shared read, so nothing is missed in between.
    return concat(
      catchUp$,
      defer(() => (joinLive ? live$.pipe(filter((item) => item.offset > seen)) : EMPTY)),
    );
  });
}
