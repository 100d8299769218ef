import { describe, expect, it } from 'vitest';
import { BuildQueue } from '../../src/blueprints/build-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('BuildQueue', () => {
  it('runs at most `concurrency` builds at once, in FIFO order', async () => {
    const queue = new BuildQueue(2);
    const started: string[] = [];
    const gates = new Map(['a', 'b', 'c'].map((id) => [id, deferred()]));
    for (const id of gates.keys())
      queue.enqueue(id, async () => {
        started.push(id);
        await gates.get(id)!.promise;
      });
    await tick();
    expect(started).toEqual(['a', 'b']);
    gates.get('a')!.resolve();
    await tick();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    gates.get('b')!.resolve();
    gates.get('c')!.resolve();
    await queue.close();
  });

  it('cancels a queued build before it starts and aborts a running one', async () => {
    const queue = new BuildQueue(1);
    const started: string[] = [];
    let aborted = false;
    queue.enqueue('running', (signal) => {
      started.push('running');
      return new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        }),
      );
    });
    queue.enqueue('waiting', async () => {
      started.push('waiting');
    });
    await tick();
    queue.cancel('waiting');
    queue.cancel('running');
    await queue.close();
    expect(aborted).toBe(true);
    expect(started).toEqual(['running']);
  });

  it('keeps going after a build throws', async () => {
    const queue = new BuildQueue(1);
    const started: string[] = [];
    queue.enqueue('bad', async () => {
      started.push('bad');
      throw new Error('boom');
    });
    queue.enqueue('good', async () => {
      started.push('good');
    });
    for (let i = 0; i < 5; i += 1) await tick();
    expect(started).toEqual(['bad', 'good']);
    await queue.close();
  });
});
