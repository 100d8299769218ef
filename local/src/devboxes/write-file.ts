/**
 * Writes a mount's file anywhere in a devbox. The runtime writes as the
 * devbox user, which cannot create files outside its home (e.g. `/opt/data`);
 * there a root process inside the devbox writes it and hands it to the user.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { shellQuote } from '../blueprints/dockerfile/shell-quote.js';
import type { DevboxHandle } from '../runtime/types.js';

const HOME = '/home/user/';

/**
 * Writes `content` to the absolute `path` inside the devbox, owned by the user.
 *
 * @example
 * await writeOwnedFile(handle, '/opt/data/config.json', '{}');
 */
export async function writeOwnedFile(handle: DevboxHandle, path: string, content: Readable | string): Promise<void> {
  if (path.startsWith(HOME)) return handle.writeFile(path, content);
  const target = shellQuote(path);
  const child = handle.spawn({
    command: `mkdir -p -- "$(dirname -- ${target})" && cat > ${target} && chown 1000:1000 -- ${target}`,
    user: 'root',
  });
  const exited = child.exited;
  child.stdout.resume();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const source = typeof content === 'string' ? Readable.from([content]) : content;
  await pipeline(source, child.stdin).catch(() => undefined);
  const code = await exited;
  if (code !== 0) throw new Error(`could not write ${path} in the devbox: ${stderr.trim() || `exit ${code}`}`);
}
