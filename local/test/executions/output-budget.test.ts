import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutputBudget } from '../../src/executions/output-budget.js';

async function through(
  budget: OutputBudget,
  key: string,
  cap: number,
  chunks: readonly string[],
): Promise<{ kept: string; told: number }> {
  let told = 0;
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(budget.meter(key, cap, () => told++)))
    out.push(chunk as Buffer);
  return { kept: Buffer.concat(out).toString(), told };
}

describe('OutputBudget', () => {
  it('passes bytes until the cap, cuts the chunk that crosses it, drops the rest and tells once', async () => {
    const budget = new OutputBudget();
    expect(await through(budget, 'dbx_1', 10, ['abcd', 'efgh', 'ijkl', 'mnop'])).toEqual({
      kept: 'abcdefghij',
      told: 1,
    });
    expect(budget.used('dbx_1')).toBe(10);
  });

  it('shares one cap across every stream of a devbox, and keeps devboxes apart', async () => {
    const budget = new OutputBudget();
    expect((await through(budget, 'dbx_1', 6, ['1234'])).kept).toBe('1234');
    expect(await through(budget, 'dbx_1', 6, ['5678'])).toEqual({ kept: '56', told: 1 });
    expect(await through(budget, 'dbx_1', 6, ['9'])).toEqual({ kept: '', told: 1 });
    expect(await through(budget, 'dbx_2', 6, ['other'])).toEqual({ kept: 'other', told: 0 });
    budget.forget('dbx_1');
    expect(budget.used('dbx_1')).toBe(0);
  });
});
