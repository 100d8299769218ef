import { describe, expect, it } from 'vitest';
import type { OutputReader } from '../../src/executions/output-log.js';
import { tailLines } from '../../src/executions/tail.js';

function memoryReader(text: string): { reader: OutputReader; size: number; reads: Array<[number, number]> } {
  const bytes = Buffer.from(text);
  const reads: Array<[number, number]> = [];
  const reader: OutputReader = {
    read: async (start, end) => {
      reads.push([start, end]);
      return bytes.subarray(start, end);
    },
    size: async () => bytes.length,
    close: async () => {},
  };
  return { reader, size: bytes.length, reads };
}

describe('tailLines', () => {
  it('returns the whole output when it has at most n lines', async () => {
    const { reader, size } = memoryReader('a\nb\nc\n');
    expect(await tailLines(reader, size, 3)).toEqual({ text: 'a\nb\nc\n', truncated: false });
    expect(await tailLines(reader, size, 100)).toEqual({ text: 'a\nb\nc\n', truncated: false });
  });

  it('keeps the last n lines and says it truncated', async () => {
    const { reader, size } = memoryReader('a\nb\nc\n');
    expect(await tailLines(reader, size, 2)).toEqual({ text: 'b\nc\n', truncated: true });
    const partial = memoryReader('a\nb\nc');
    expect(await tailLines(partial.reader, partial.size, 1)).toEqual({ text: 'c', truncated: true });
  });

  it('handles empty output and n = 0', async () => {
    const empty = memoryReader('');
    expect(await tailLines(empty.reader, 0, 5)).toEqual({ text: '', truncated: false });
    const some = memoryReader('x\n');
    expect(await tailLines(some.reader, some.size, 0)).toEqual({ text: '', truncated: true });
  });

  it('reads only the end of a large output, across block boundaries', async () => {
    const text = Array.from({ length: 50_000 }, (_, i) => `line-${i}`).join('\n') + '\n';
    const { reader, size, reads } = memoryReader(text);
    const { text: tail, truncated } = await tailLines(reader, size, 10_000);
    expect(truncated).toBe(true);
    expect(tail.split('\n').filter(Boolean)).toEqual(Array.from({ length: 10_000 }, (_, i) => `line-${40_000 + i}`));
    expect(Math.min(...reads.map(([s]) => s))).toBeGreaterThan(0);
  });

  it('caps the tail at maxBytes', async () => {
    const { reader, size } = memoryReader('x'.repeat(1000));
    expect(await tailLines(reader, size, 5, 100)).toEqual({ text: 'x'.repeat(100), truncated: true });
  });
});
