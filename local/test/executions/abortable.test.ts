import { NEVER, Observable, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { firstOrAbort } from '../../src/executions/abortable.js';

describe('firstOrAbort', () => {
  it('resolves with the first value, undefined when empty, rejects on error', async () => {
    expect(await firstOrAbort(of(1, 2))).toBe(1);
    expect(await firstOrAbort(of())).toBeUndefined();
    await expect(firstOrAbort(throwError(() => new Error('x')))).rejects.toThrow('x');
  });

  it('unsubscribes and resolves undefined when any signal aborts', async () => {
    let unsubscribed = false;
    const source = new Observable<number>(() => () => {
      unsubscribed = true;
    });
    const a = new AbortController();
    const b = new AbortController();
    const pending = firstOrAbort(source, a.signal, undefined, b.signal);
    b.abort();
    expect(await pending).toBeUndefined();
    expect(unsubscribed).toBe(true);
  });

  it('serves many waiters of one signal with a single abort listener', async () => {
    const a = new AbortController();
    let added = 0;
    const add = a.signal.addEventListener.bind(a.signal);
    a.signal.addEventListener = ((...args: Parameters<typeof add>) => ((added += 1), add(...args))) as typeof add;
    expect(await firstOrAbort(of(7), a.signal)).toBe(7);
    const pending = Array.from({ length: 20 }, () => firstOrAbort(NEVER, a.signal));
    expect(added).toBe(1);
    a.abort();
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 20 }, () => undefined));
  });

  it('does not subscribe when already aborted', async () => {
    const a = new AbortController();
    a.abort();
    let subscribed = false;
    const source = new Observable<number>(() => {
      subscribed = true;
      return NEVER.subscribe();
    });
    expect(await firstOrAbort(source, a.signal)).toBeUndefined();
    expect(subscribed).toBe(false);
  });
});
