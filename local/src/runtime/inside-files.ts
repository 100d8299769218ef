/**
 * File reads and writes inside a devbox, done by a short-lived process that
 * runs INSIDE it (spawned by its agent, as the devbox user). The kernel then
 * confines every path: `..` stops at the devbox root and absolute symlinks
 * resolve against it, so no planted link can reach the host or another
 * devbox. Content streams; nothing is buffered whole.
 */
import { PassThrough, Readable } from 'node:stream';
import { RuntimeFileError, fileErrorCodeFromStderr } from './errors.js';
import type { DevboxProcess } from './types.js';

// The shell opens the file itself so an open error surfaces before any byte,
// then says OK and hands the descriptor to cat.
const READ_SCRIPT =
  'exec 3< "$1"; if [ -d "$1" ]; then echo "$1: Is a directory" >&2; exit 2; fi; echo OK; exec cat <&3';
// The writer fills a temporary file beside the target and renames it only
// once its input ended: a cancelled upload (the writer is SIGKILLed with its
// group) never leaves a truncated file at the target. A watcher outside the
// group removes the temporary file when the writer dies. Symlinks, files the
// user may not replace, trailing slashes and directories keep the old
// in-place write (and its error). Devices (/dev/full) are refused up front.
const WRITE_SCRIPT = [
  'd=${1%/*}; [ -n "$d" ] || d=/',
  'if [ -e "$1" ] && [ ! -f "$1" ] && [ ! -d "$1" ]; then echo "$1: Invalid argument (not a regular file)" >&2; exit 1; fi',
  'mkdir -p -- "$d" || exit 1',
  'case "$1" in */) exec cat > "$1";; esac',
  'if [ -L "$1" ] || [ -d "$1" ] || [ ! -w "$d" ] || { [ -e "$1" ] && [ ! -w "$1" ]; }; then exec cat > "$1"; fi',
  't="$d/.rl-write.$$"',
  // `| read`: go on only once the watcher has left the group (it says so), or a kill right now would take it too.
  'if command -v setsid >/dev/null; then setsid sh -c \'echo; exec >/dev/null; while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; rm -f -- "$2"\' sh $$ "$t" </dev/null 2>/dev/null & fi | read -r _',
  'cat > "$t" || { rm -f -- "$t"; exit 1; }',
  '[ -f "$1" ] && chmod --reference="$1" -- "$t" 2>/dev/null',
  'mv -f -- "$t" "$1" || { rm -f -- "$t"; exit 1; }',
].join('\n');
const OK = Buffer.from('OK\n');

/**
 * Runs `argv` inside the devbox as the account files are accessed as.
 *
 * @example
 * const spawnInside: SpawnInside = (argv) => devbox.spawnArgv(argv, 'user');
 */
export type SpawnInside = (argv: readonly string[]) => DevboxProcess;

function spawnScript(spawnInside: SpawnInside, script: string, path: string): DevboxProcess {
  return spawnInside(['/bin/sh', '-c', script, 'sh', path]);
}

/**
 * Opens `path` (absolute, inside the devbox) for streaming. Rejects with a
 * {@link RuntimeFileError} before any byte when it cannot be read; a later
 * failure errors the stream.
 *
 * @example
 * const stream = await readInside((argv) => devbox.spawnArgv(argv, 'user'), '/home/user/a.txt');
 */
export function readInside(spawnInside: SpawnInside, path: string): Promise<Readable> {
  const child = spawnScript(spawnInside, READ_SCRIPT, path);
  child.stdin.end();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const failure = (code: number | null): RuntimeFileError =>
    new RuntimeFileError(
      fileErrorCodeFromStderr(stderr),
      path,
      code === null ? 'killed' : stderr.trim() || `exit ${code}`,
    );

  return new Promise<Readable>((resolve, reject) => {
    let header = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      header = Buffer.concat([header, chunk]);
      if (header.length < OK.length) return;
      child.stdout.off('data', onData);
      child.stdout.pause();
      if (!header.subarray(0, OK.length).equals(OK)) {
        void child.kill('SIGKILL');
        reject(new RuntimeFileError('EIO', path, 'unexpected reader output'));
        return;
      }
      resolve(bodyStream(child, header.subarray(OK.length), failure));
    };
    child.stdout.on('data', onData);
    void child.closed.then((code) => {
      if (header.length < OK.length) reject(failure(code));
    });
  });
}

/** The file's bytes: what followed the header, then the rest of stdout; errors if the reader failed. */
function bodyStream(child: DevboxProcess, first: Buffer, failure: (code: number | null) => Error): Readable {
  const out = new PassThrough();
  if (first.length > 0) out.write(first);
  child.stdout.pipe(out, { end: false });
  let done = false;
  void child.closed.then((code) => {
    done = true;
    if (code === 0) out.end();
    else out.destroy(failure(code));
  });
  // A consumer that stops early must not leave the reader running.
  out.on('close', () => {
    if (!done) void child.kill('SIGKILL');
  });
  return out;
}

/**
 * Writes `content` to `path` (absolute, inside the devbox), creating parent
 * directories; everything is created by the devbox account.
 *
 * @example
 * await writeInside((argv) => devbox.spawnArgv(argv, 'user'), '/home/user/a.txt', 'hello');
 */
export function writeInside(
  spawnInside: SpawnInside,
  path: string,
  content: Readable | Uint8Array | string,
): Promise<void> {
  const child = spawnScript(spawnInside, WRITE_SCRIPT, path);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  child.stdout.resume();
  // The writer may exit (e.g. EACCES) before reading its input: that is reported by the exit status.
  child.stdin.on('error', () => undefined);
  let sourceError: Error | undefined;
  if (content instanceof Readable) {
    content.on('error', (error) => {
      sourceError = error;
      void child.kill('SIGKILL');
    });
    content.pipe(child.stdin);
  } else {
    child.stdin.end(content);
  }
  return child.closed.then((code) => {
    if (sourceError) throw sourceError;
    if (code !== 0) throw new RuntimeFileError(fileErrorCodeFromStderr(stderr), path, stderr.trim() || `exit ${code}`);
  });
}
