/**
 * Copies a directory tree the way overlayfs layers need it: owners, modes,
 * times, device nodes (whiteouts are 0:0 character devices) and extended
 * attributes (`trusted.overlay.opaque` marks opaque dirs) all kept.
 * `cp -a` as root does all of that in one process.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { RuntimeError, RuntimeInputError } from './errors.js';

const run = promisify(execFile);

/**
 * Copies `sourceDir`'s content into `destDir` (created; must be empty) and
 * returns the copy's size in bytes.
 *
 * @example
 * const size = await copyLayer('/data/dbx_1/upper', '/data/snapshots/snp_1');
 */
export async function copyLayer(sourceDir: string, destDir: string): Promise<number> {
  await mkdir(destDir, { recursive: true });
  if ((await readdir(destDir)).length > 0) throw new RuntimeInputError(`layer destination is not empty: ${destDir}`);
  try {
    await run('/bin/cp', ['-a', '--', `${sourceDir}/.`, `${destDir}/`], { maxBuffer: 1 << 20 });
  } catch (error) {
    throw new RuntimeError(
      `copying layer ${sourceDir} → ${destDir} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`,
    );
  }
  return directorySize(destDir);
}

/**
 * Apparent size of a tree in bytes (`du -sb`).
 *
 * @example
 * await directorySize('/data/snapshots/snp_1'); // 18874368
 */
export async function directorySize(dir: string): Promise<number> {
  const { stdout } = await run('/usr/bin/du', ['-sb', '--', dir]);
  const size = Number.parseInt(stdout, 10);
  return Number.isSafeInteger(size) ? size : 0;
}
