/**
 * startThenUse, the one start-then-clean-up helper: when it cleans up, for
 * each `keep` rule, and that a start cancelled mid-flight never orphans.
 */
import { describe, expect, it } from 'vitest';
import { marbles } from 'rxjs-marbles';
import { EMPTY, of, type Observable } from 'rxjs';
import { RunloopApi } from '../../src/api/index.js';
import { startThenUse, type CleanUp } from '../../src/sdk/internal/lifecycle.js';
import type { SdkContext } from '../../src/sdk/internal/context.js';
import type { TeardownFailure } from '../../src/index.js';
import { FakeApiCaller } from '../../src/testing/index.js';

function context(failures: TeardownFailure[] = []): SdkContext {
  return {
    api: new RunloopApi(new FakeApiCaller()),
    baseURL: 'http://fake',
    onTeardownError: (f) => failures.push(f),
    transfer: () => {
      throw new Error('not used');
    },
    ownedDevbox: () => {
      throw new Error('not used');
    },
  };
}

describe('startThenUse', () => {
  it(
    'untilDelivered: leaving before the first value cleans up; after it, never',
    marbles((m) => {
      const cleaned = m.cold('-c|');
      const cleanUp: CleanUp<string> = { action: 'delete', id: (r) => r, request: () => cleaned };
      const spec = {
        start$: m.cold('-r|', { r: 'obj_1' }),
        use: () => m.cold('---v|', { v: 'done' }),
        cleanUp,
        keep: 'untilDelivered' as const,
      };
      m.expect(startThenUse(context(), spec), '^--!').toBeObservable('---');
      m.expect(startThenUse(context(), spec), '-------^').toBeObservable('-----------v|', { v: 'done' });
      m.expect(cleaned).toHaveSubscriptions('---^-!');
    }),
  );

  it(
    'a detached start left mid-flight is cleaned up as soon as it answers',
    marbles((m) => {
      const start = m.cold('----r|', { r: 'dbx_1' });
      const cleaned = m.cold('-c|');
      const spec = {
        start$: start,
        use: () => EMPTY,
        cleanUp: { action: 'shutdown' as const, id: (r: string) => r, request: () => cleaned },
        keep: 'untilDelivered' as const,
      };
      m.expect(startThenUse(context(), spec), '^-!').toBeObservable('--');
      m.expect(start).toHaveSubscriptions('^----!');
      m.expect(cleaned).toHaveSubscriptions('----^-!');
    }),
  );

  it(
    'untilComplete: an error cleans up; completion does not',
    marbles((m) => {
      const cleaned = m.cold('-c|');
      const cleanUp: CleanUp<string> = { action: 'kill', id: (r) => r, request: () => cleaned };
      const failing = { start$: of('exe_1'), use: () => m.cold('--#'), cleanUp, keep: 'untilComplete' as const };
      m.expect(startThenUse(context(), failing)).toBeObservable('--#');
      const ok = { ...failing, use: () => m.cold('--|') };
      m.expect(startThenUse(context(), ok), '-----^').toBeObservable('-------|');
      m.expect(cleaned).toHaveSubscriptions('--^-!');
    }),
  );

  it(
    'untilSettled: the in-line clean-up is not repeated on unsubscribe; a failed background one is reported',
    marbles((m) => {
      const failures: TeardownFailure[] = [];
      const cleaned = m.cold('---#', undefined, new Error('503'));
      const cleanUp: CleanUp<string> = { action: 'shutdown', id: (r) => r, request: () => cleaned };
      const inLine = {
        start$: of('dbx_1'),
        use: (_: string, now: Observable<unknown>) => now,
        cleanUp,
        keep: 'untilSettled' as const,
      };
      m.expect(startThenUse(context(failures), inLine), '^-!').toBeObservable('--');
      const leftEarly = { ...inLine, use: () => m.cold('-----') };
      m.expect(startThenUse(context(failures), leftEarly), '----^-!').toBeObservable('------');
      m.expect(cleaned).toHaveSubscriptions(['^-!', '------^--!']);
      m.scheduler.flush();
      expect(failures.map((f) => [f.action, f.id])).toEqual([['shutdown', 'dbx_1']]);
    }),
  );
});
