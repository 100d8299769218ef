/**
 * The runtime's private directory in the data dir (`<dataDir>/.runtime`,
 * 0700 like the data dir itself) and the init layer every devbox shares:
 * `init/.runloop/agent`, a copy of the agent binary stacked read-only on top
 * of each devbox's root. The copy is owned by host root, which is no uid
 * inside a devbox: devbox root can run it but never write or replace it, and
 * it is not the host's binary, so nothing the host runs is reachable from a
 * devbox.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Makes `<runtimeDir>/init/.runloop/agent` (a copy of `agentBinary`) and
 * returns the init layer's path; safe when two runtimes on one data dir
 * race. A new agent build gets a new layer (keyed by the binary's cache dir name).
 *
 * @example
 * const initLayer = await prepareInitLayer('/var/lib/runloop-local/.runtime', agentBinary, 'ab12cd');
 */
export async function prepareInitLayer(runtimeDir: string, agentBinary: string, version: string): Promise<string> {
  const layer = join(runtimeDir, `init-${version}`);
  if (existsSync(join(layer, '.runloop', 'agent'))) return layer;
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  const temp = await mkdtemp(join(runtimeDir, '.prepare-'));
  try {
    await mkdir(join(temp, '.runloop'));
    await copyFile(agentBinary, join(temp, '.runloop', 'agent'));
    await chmod(join(temp, '.runloop', 'agent'), 0o555);
    await chmod(join(temp, '.runloop'), 0o555);
    await chmod(temp, 0o755);
    await rename(temp, layer).catch((error: NodeJS.ErrnoException) => {
      // Another runtime finished first: its copy is as good as ours.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return layer;
}
