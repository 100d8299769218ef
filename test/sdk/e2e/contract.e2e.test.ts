/**
 * The reactive contract against a real runloop-local: cancellation stops the
 * command in every exec form, and `output$` gives every subscriber every line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import type { Devbox } from '../../../src/index.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let devbox: Devbox;

beforeAll(async () => {
  h = await startHarness();
  devbox = await lastValueFrom(h.sdk.devbox.create({ name: 'e2e-contract' }));
});
afterAll(async () => {
  await h?.dispose();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const exists = async (path: string) => (await lastValueFrom(devbox.cmd.exec(`test -e ${path}`))).exitCode === 0;

describe('cancellation (real runloop-local)', () => {
  it('exec without callbacks: unsubscribing while /execute is held stops the command', async () => {
    const subscription = devbox.cmd
      .exec('sleep 2; touch /tmp/not-after-unsubscribe')
      .subscribe({ error: () => undefined });
    await sleep(800);
    subscription.unsubscribe();
    await sleep(2_500);
    expect(await exists('/tmp/not-after-unsubscribe')).toBe(false);
  });

  it('exec without callbacks: aborting the signal rejects at once and stops the command', async () => {
    const controller = new AbortController();
    const run = lastValueFrom(devbox.cmd.exec('sleep 2; touch /tmp/not-after-abort', { signal: controller.signal }));
    await sleep(800);
    const abortedAt = Date.now();
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'APIUserAbortError' });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    await sleep(2_500);
    expect(await exists('/tmp/not-after-abort')).toBe(false);
  });

  it('a throwing stdout callback errors exec and stops the command', async () => {
    const failure = new Error('UI gone');
    const run = lastValueFrom(
      devbox.cmd.exec('echo first; sleep 2; touch /tmp/not-after-throw', {
        stdout: () => {
          throw failure;
        },
      }),
    );
    await expect(run).rejects.toBe(failure);
    await sleep(2_500);
    expect(await exists('/tmp/not-after-throw')).toBe(false);
  });
});

describe('timeouts (real runloop-local)', () => {
  it('a short request timeout never cuts a long-poll hold', async () => {
    const execution = await firstValueFrom(devbox.cmd.execAsync('sleep 1; exit 3'));
    const result = await lastValueFrom(
      execution.result({ requestTimeoutMs: 200, pollingConfig: { timeoutMs: 3_000 } }),
    );
    expect(result.exitCode).toBe(3);
  });
});

describe('execution.output$ (real runloop-local)', () => {
  it('before, during and after the run: every subscriber gets all 30 lines once, in order', async () => {
    const execution = await firstValueFrom(
      devbox.cmd.execAsync('for i in $(seq 1 30); do echo "line $i"; sleep 0.05; done'),
    );
    const all$ = execution.output$.pipe(
      map((l) => l.line),
      toArray(),
    );
    const first = lastValueFrom(all$);
    // Join once the first subscriber is well into the run.
    await firstValueFrom(execution.output$.pipe(take(10), toArray()));
    const second = lastValueFrom(all$);
    const expected = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    expect(await first).toEqual(expected);
    expect(await second).toEqual(expected);
    expect(await lastValueFrom(all$)).toEqual(expected);
  });
});
