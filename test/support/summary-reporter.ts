/**
 * A vitest reporter that ends the run with one plain `Tests: N passed, N
 * failed[, N skipped]` line, which CI tooling outside vitest can read.
 */
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Counts test cases by state at the end of the run.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { reporters: ['default', './test/support/summary-reporter.ts'] } });
 */
export default class SummaryReporter implements Reporter {
  #line: string | undefined;

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1;
    }
    const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
    this.#line = `Tests: ${counts.passed} passed, ${counts.failed} failed${skipped}`;
  }

  // The default reporter prints its summary in this later hook: print after it, as the last line.
  onFinished(): void {
    if (this.#line !== undefined) process.stdout.write(`\n${this.#line}\n`);
  }
}
