/**
 * The `Range` behaviour every download path must show, checked through a
 * function that fetches the content with an optional Range header.
 */
import { expect } from 'vitest';

/**
 * Checks 206 + Content-Range for `a-b`, `a-` and `-n`, 416 with `bytes *\/size`
 * past the end, and the whole body without (or with several) ranges.
 *
 * @example
 * await expectRangeAnswers((range) => fetch(url, { headers: range ? { range } : {} }), bytes);
 */
export async function expectRangeAnswers(get: (range?: string) => Promise<Response>, bytes: Buffer): Promise<void> {
  const size = bytes.length;
  const cases: Array<[string, number, number]> = [
    ['bytes=0-9', 0, 9],
    [`bytes=100-${size + 500}`, 100, size - 1],
    [`bytes=${size - 7}-`, size - 7, size - 1],
    ['bytes=-33', size - 33, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await get(range);
    expect(res.status, range).toBe(206);
    expect(res.headers.get('content-range'), range).toBe(`bytes ${start}-${end}/${size}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(start, end + 1)), range).toBe(true);
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
    const res = await get(range);
    expect(res.status, range).toBe(416);
    expect(res.headers.get('content-range'), range).toBe(`bytes */${size}`);
    expect(((await res.json()) as { error: string }).error).toBe('range_not_satisfiable');
  }
  for (const range of [undefined, 'bytes=0-1,5-9', 'items=0-1']) {
    const res = await get(range);
    expect(res.status, String(range)).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes), String(range)).toBe(true);
  }
}
