/**
 * Builds the runtime's two C programs into static binaries, once per source
 * version, cached like the base rootfs: `<cache>/<name>/<sha256 of the
 * source>/<name>`. The agent runs inside devboxes (static: whatever the
 * image's libc); the launcher runs on the host. Built here from our own
 * source with the host's C compiler, so nothing prebuilt is shipped.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RuntimeUnavailableError } from './errors.js';
import { ensureCachedBuild } from './rootfs.js';

const run = promisify(execFile);

/**
 * The C programs, beside their folders' READMEs (the build copies them into dist/).
 *
 * @example
 * const source = readFileSync(STATIC_BINARIES['runloop-agent'], 'utf8');
 */
export const STATIC_BINARIES = {
  'runloop-agent': fileURLToPath(new URL('./agent/agent.c', import.meta.url)),
  'runloop-launcher': fileURLToPath(new URL('./launcher/launcher.c', import.meta.url)),
} as const;

/**
 * Returns the path of a built program, compiling it on first use (~1 s).
 *
 * @example
 * const agent = await ensureStaticBinary('runloop-agent', join(defaultRootfsCacheDir(), '..'));
 */
export async function ensureStaticBinary(name: keyof typeof STATIC_BINARIES, cacheRoot: string): Promise<string> {
  let source: Buffer;
  try {
    source = readFileSync(STATIC_BINARIES[name]);
  } catch (error) {
    throw new RuntimeUnavailableError(`the source of ${name} is missing: ${(error as Error).message}`);
  }
  const tag = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = await ensureCachedBuild({
    cacheDir: join(cacheRoot, name === 'runloop-agent' ? 'agent' : name),
    tag,
    build: async (temp) => {
      await writeFile(join(temp, `${name}.c`), source);
      try {
        await run('cc', ['-static', '-O2', '-Wall', '-o', join(temp, name), join(temp, `${name}.c`)], {
          env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
        });
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
        throw new RuntimeUnavailableError(
          `building ${name} failed (needs a C compiler and static libc: gcc, libc6-dev): ${stderr}`,
        );
      }
      await chmod(join(temp, name), 0o555);
    },
  });
  return join(dir, name);
}
