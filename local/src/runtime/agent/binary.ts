/**
 * Builds the agent (agent.c) into a static binary once per source version,
 * cached like the base rootfs: `<cache>/agent/<sha256 of the source>/runloop-agent`.
 * Static, so it runs in any devbox image whatever its libc; built here from
 * our own source with the host's C compiler, so nothing prebuilt is shipped.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RuntimeUnavailableError } from '../errors.js';
import { ensureCachedBuild } from '../rootfs.js';

const run = promisify(execFile);

/**
 * The agent's C source, beside this module (the build copies it into dist/).
 *
 * @example
 * const source = readFileSync(AGENT_SOURCE, 'utf8');
 */
export const AGENT_SOURCE = fileURLToPath(new URL('./agent.c', import.meta.url));

/**
 * Returns the path of the built agent, compiling it on first use (~1 s).
 *
 * @example
 * const agent = await ensureAgentBinary(join(defaultRootfsCacheDir(), '..', 'agent'));
 */
export async function ensureAgentBinary(cacheDir: string): Promise<string> {
  let source: Buffer;
  try {
    source = readFileSync(AGENT_SOURCE);
  } catch (error) {
    throw new RuntimeUnavailableError(`the devbox agent's source is missing: ${(error as Error).message}`);
  }
  const tag = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = await ensureCachedBuild({
    cacheDir,
    tag,
    build: async (temp) => {
      await writeFile(join(temp, 'agent.c'), source);
      try {
        await run('cc', ['-static', '-O2', '-Wall', '-o', join(temp, 'runloop-agent'), join(temp, 'agent.c')], {
          env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
        });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
        throw new RuntimeUnavailableError(
          `building the devbox agent failed (needs a C compiler and static libc: gcc, libc6-dev): ${stderr}`,
        );
      }
      await chmod(join(temp, 'runloop-agent'), 0o555);
    },
  });
  return join(dir, 'runloop-agent');
}
