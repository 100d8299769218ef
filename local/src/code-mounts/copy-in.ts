/**
 * Copies a host clone into a devbox through the same door as every other
 * devbox write: a process INSIDE the devbox, as the devbox user, so the
 * kernel confines every path (a symlink in the repository resolves inside
 * the devbox, `..` stops at its root). The host side only reads, as the
 * untrusted account, and never follows a link; the stream is capped.
 */
import { spawn } from 'node:child_process';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { shellQuote } from '../blueprints/dockerfile/shell-quote.js';
import type { DevboxHandle } from '../runtime/types.js';
import { CloneError, type HostAccount } from './clone.js';

/**
 * Streams `dir` (a work tree on the host) into `/home/user/<name>` of the
 * devbox, owned by the devbox user; rejects with a {@link CloneError}.
 *
 * @example
 * await copyIntoDevbox(handle, clone.dir, clone.runAs, 'rx', 1 << 30);
 */
export async function copyIntoDevbox(
  handle: DevboxHandle,
  dir: string,
  runAs: HostAccount | undefined,
  name: string,
  maxBytes: number,
): Promise<void> {
  const reader = spawn('tar', ['-c', '-f', '-', '-C', dir, '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/bin:/bin', LANG: 'C' },
    ...(runAs ?? {}),
  });
  const readerExit = new Promise<number | null>((resolve) => {
    reader.on('error', () => resolve(null));
    reader.on('close', (code) => resolve(code));
  });
  let readerErr = '';
  reader.stderr.setEncoding('utf8').on('data', (c: string) => (readerErr = (readerErr + c).slice(-2000)));
  // Relative to the home directory (cwd), so the same command works in the process runtime.
  const writer = handle.spawn({
    command: `mkdir -p -- ${shellQuote(name)} && exec tar -x --no-same-owner -f - -C ${shellQuote(name)}`,
    user: 'user',
    cwd: '/home/user',
  });
  writer.stdout.resume();
  let writerErr = '';
  writer.stderr.setEncoding('utf8').on('data', (c: string) => (writerErr = (writerErr + c).slice(-2000)));
  let copied = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      copied += chunk.length;
      // tar adds headers and padding: allow 10% plus 1 MiB over the tree's own size.
      if (copied > maxBytes * 1.1 + 1024 * 1024)
        done(new CloneError(`the repository is over the code mount limit of ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  const piped = pipeline(reader.stdout, cap, writer.stdin).then(
    () => undefined,
    (error: unknown) => error,
  );
  const [pipeError, readCode, writeCode] = await Promise.all([piped, readerExit, writer.exited]);
  if (pipeError instanceof CloneError) throw pipeError;
  if (readCode !== 0) throw new CloneError(`reading the clone failed: ${readerErr.trim() || `exit ${readCode}`}`);
  if (writeCode !== 0) {
    const reason = writerErr.trim() || `exit ${writeCode}`;
    throw new CloneError(`writing the repository into the devbox failed (the image needs tar): ${reason}`);
  }
}
