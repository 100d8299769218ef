import { describe, expect, it } from 'vitest';
import { lastValueFrom, of, throwError, toArray, Subject } from 'rxjs';
import { tunnelUrl } from '../../src/sdk/internal/tunnel-url.js';
import { toAsyncIterable } from '../../src/sdk/internal/async-iterable.js';
import { detachedStart } from '../../src/sdk/internal/detached-start.js';

describe('tunnelUrl', () => {
  it('cloud: https host form with the api. prefix dropped', () => {
    expect(tunnelUrl('https://api.runloop.ai', 'k3y', 8080)).toBe('https://8080-k3y.tunnel.runloop.ai');
    expect(tunnelUrl('https://api.example.com:8443/', 'abc', 3000)).toBe('https://3000-abc.tunnel.example.com');
  });
  it('runloop-local (http): the path form on the API port', () => {
    expect(tunnelUrl('http://127.0.0.1:4000', 'k3y', 8080)).toBe('http://127.0.0.1:4000/tunnel/k3y/8080/');
  });
});

describe('toAsyncIterable', () => {
  it('yields every value, ends on completion, throws on error, unsubscribes on break', async () => {
    const seen: number[] = [];
    for await (const n of toAsyncIterable(of(1, 2, 3))) seen.push(n);
    expect(seen).toEqual([1, 2, 3]);
    await expect(
      (async () => {
        for await (const _ of toAsyncIterable(throwError(() => new Error('x')))) void _;
      })(),
    ).rejects.toThrow('x');
    const subject = new Subject<number>();
    const iterator = toAsyncIterable(subject)[Symbol.asyncIterator]();
    subject.next(1);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    await iterator.return?.();
    expect(subject.observed).toBe(false);
  });
});

describe('detachedStart', () => {
  it('passes the value on when the subscriber stays', async () => {
    expect(await lastValueFrom(detachedStart(of('x'), () => undefined).pipe(toArray()))).toEqual(['x']);
  });
  it('cleans up a value that arrives after the subscriber left, without cancelling the start', () => {
    const start = new Subject<string>();
    const cleaned: string[] = [];
    const subscription = detachedStart(start, (v) => cleaned.push(v)).subscribe();
    subscription.unsubscribe();
    expect(start.observed).toBe(true);
    start.next('late');
    expect(cleaned).toEqual(['late']);
  });
});
