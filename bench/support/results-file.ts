/**
 * `bench/RESULTS.md`, written by every run: which machine, when, how loaded,
 * and the table, so a number is never read apart from where it was measured.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, release } from 'node:os';
import type { ResultRow } from './stats.js';

const HEADERS: (keyof ResultRow)[] = ['benchmark', 'sdk', 'raw', 'ratio', 'target', 'verdict'];

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
    '',
    `- date: ${when.toISOString()}`,
    `- machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Linux ${release()}, Node ${process.version}`,
    `- load average at the end (1/5/15 min): ${loadavg().map((n) => n.toFixed(2)).join(' / ')}`,
    `- cases: ${cases.join(', ')}`,
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${HEADERS.map((h) => escape(row[h])).join(' | ')} |`),
    '',
  ].join('\n');
}

/**
 * Writes {@link resultsMarkdown} to `path`.
 *
 * @example
 * await writeResults(new URL('../RESULTS.md', import.meta.url), rows, selected);
 */
export async function writeResults(path: URL | string, rows: readonly ResultRow[], cases: readonly string[]): Promise<void> {
  await writeFile(path, resultsMarkdown(rows, cases, new Date()));
}
