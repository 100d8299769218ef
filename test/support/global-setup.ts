/**
 * vitest globalSetup: prepares once, before any test file runs, what the
 * end-to-end tests need: the base root filesystem of namespace devboxes
 * (built once by debootstrap, ~40 s, then cached). Where it cannot be built
 * (no root, no mirror) the runtime falls back to plain processes, so this
 * only reports the problem.
 *
 * Register in vitest.config.ts: `test: { globalSetup: ['test/support/global-setup.ts'] }`.
 */
import { ensureBaseRootfs } from '../../local/src/runtime/index.js';

/** Runs once per `vitest run`. @example export default setup */
export default async function setup(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  try {
    await ensureBaseRootfs({ log: (line) => process.stderr.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`global-setup: base rootfs unavailable (${String(error)}); devboxes may use process mode\n`);
  }
}
