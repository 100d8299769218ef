import { NEVER, Observable, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { firstOrAbort } from '../../../src/local/executions/abortable.js';

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
