/**
 * `bench/RESULTS.md`, written by every run: which machine, when, how loaded,
 * and the table, so a number is never read apart from where it was measured.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import { COLUMNS, type ResultRow } from './stats.js';

/**
 * The results as Markdown: the machine, the date and the table.
 *
 * @example
 * resultsMarkdown(rows, ['exec'], new Date()); // '# Bench results\n\n- date: …'
 */
export function resultsMarkdown(rows: readonly ResultRow[], cases: readonly string[], when: Date): string {
  const cpu = cpus();
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [
    '# Bench results',
    '',
    'Written by `npm run bench`; absolute times belong to this machine only: compare the ratios.',
    '`runloop-rx` and `official` (`@runloop/api-client`, its object SDK on its default HTTP/2 transport) do the same work',
    'against the same runloop-local, from the same process, rounds interleaved; cells are medians. `floor` is what this',
    "machine itself manages for the work, measured in the same run (host process spawn, the command's output into a pipe,",
    'raw HTTP with undici). `rx ahead by` ×1.25 means runloop-rx is 25 % faster (or sends fewer requests).',
    '',
    `- date: ${when.toISOString()}`,
    `- machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}`,
    `- load average at the end (1/5/15 min): ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' / ')}`,
    `- cases: ${cases.join(', ')}`,
    '',
    `| ${COLUMNS.map(([, title]) => title).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${COLUMNS.map(([key]) => escape(row[key])).join(' | ')} |`),
    '',
  ].join('\n');
}

/**
 * Writes {@link resultsMarkdown} to `path`.
 *
 * @example
 * await writeResults(new URL('../RESULTS.md', import.meta.url), rows, selected);
 */
export async function writeResults(
  path: URL | string,
  rows: readonly ResultRow[],
  cases: readonly string[],
): Promise<void> {
  await writeFile(path, resultsMarkdown(rows, cases, new Date()));
}
