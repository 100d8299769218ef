import { describe, expect, it } from 'vitest';
import { completeUtf8Prefix } from '../../src/executions/utf8.js';

describe('completeUtf8Prefix', () => {
  const text = 'a€😀é';
  const bytes = Buffer.from(text); // a(1) €(3) 😀(4) é(2) = 10 bytes

  it('keeps a buffer that ends on a character boundary', () => {
    expect(completeUtf8Prefix(bytes)).toBe(10);
    expect(completeUtf8Prefix(Buffer.alloc(0))).toBe(0);
  });

  it('never cuts inside a character, for every cut position', () => {
    for (let n = 0; n <= bytes.length; n++) {
      const cut = completeUtf8Prefix(bytes.subarray(0, n));
      expect(cut).toBeLessThanOrEqual(n);
      // The kept prefix decodes without a replacement character and is a prefix of the text.
      const decoded = bytes.subarray(0, cut).toString('utf8');
      expect(decoded).not.toContain('\uFFFD');
      expect(text.startsWith(decoded)).toBe(true);
      // Dropping at most one partial character: the rest would not fit a whole one.
      expect(n - cut).toBeLessThan(4);
    }
  });

  it('lets invalid bytes through so binary output still progresses', () => {
    expect(completeUtf8Prefix(Buffer.from([0x80, 0x80, 0x80, 0x80]))).toBe(4);
    expect(completeUtf8Prefix(Buffer.from([0x41, 0xff]))).toBe(2);
  });
});
