/**
 * vitest globalSetup: prepares once, before any test file runs, what the
 * end-to-end tests need: the base root filesystem of namespace devboxes
 * (built once by debootstrap, ~40 s, then cached). Where it cannot be built
 * (no root, no mirror) the runtime falls back to plain processes, so this
 * only reports the problem.
 *
 * Register in vitest.config.ts: `test: { globalSetup: ['test/support/global-setup.ts'] }`.
 */
import { execFileSync } from 'node:child_process';
import { ensureBaseRootfs } from '../../local/src/runtime/index.js';

/**
 * `ip netns add` makes /run/netns a shared mount point on first use, and does
 * it racily: two test files making their test hosts at once each bind-mount
 * the directory onto itself, and the namespace file of the first lands under
 * the second mount (its link move then fails with EINVAL). Adding and
 * deleting one namespace here, before any file runs, sets the mount up once.
 */
function prepareNetnsDir(): void {
  const name = `rlinit-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
  } catch (error) {
    process.stderr.write(`global-setup: cannot prepare /run/netns (${String(error)}); network tests may fail\n`);
  }
}

/** Runs once per `vitest run`. @example export default setup */
export default async function setup(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  prepareNetnsDir();
  try {
    await ensureBaseRootfs({ log: (line) => process.stderr.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`global-setup: base rootfs unavailable (${String(error)}); devboxes may use process mode\n`);
  }
}
