/**
 * Typed errors of the devbox runtime. The HTTP layer maps them to status
 * codes (file errors → 404/400/403, bad specs → 400, unavailable → 503);
 * nothing here knows about HTTP.
 */

/**
 * Base class: something the runtime refused or could not do.
 *
 * @example
 * try { await runtime.start(spec); } catch (e) { if (e instanceof RuntimeError) console.error(e.message); }
 */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A spec or argument is malformed (bad id, layer path with `:` or `,`,
 * env key with `=`…). Maps to 400.
 *
 * @example
 * throw new RuntimeInputError('devbox id must match [A-Za-z0-9_-]{1,64}');
 */
export class RuntimeInputError extends RuntimeError {
  override name = 'RuntimeInputError';
}

/**
 * The requested isolation is not available on this machine (forced
 * `mode: 'namespaces'` where namespaces are refused, no base rootfs…).
 *
 * @example
 * await createRuntime({ mode: 'namespaces', dataDir }).catch((e) => e instanceof RuntimeUnavailableError);
 */
export class RuntimeUnavailableError extends RuntimeError {
  override name = 'RuntimeUnavailableError';
}

/**
 * A devbox failed to start; `stderr` holds what its start-up script said.
 *
 * @example
 * catch (e) { if (e instanceof DevboxStartError) log(e.stderr); }
 */
export class DevboxStartError extends RuntimeError {
  override name = 'DevboxStartError';
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(stderr ? `${message}: ${stderr.trim()}` : message);
  }
}

/**
 * The devbox is no longer running (stopped or died) and cannot serve the call.
 *
 * @example
 * catch (e) { if (e instanceof DevboxNotRunningError) return http409(); }
 */
export class DevboxNotRunningError extends RuntimeError {
  override name = 'DevboxNotRunningError';
}

/**
 * The devbox could not be paused in time (a process stuck in the kernel, a
 * host under heavy load): nothing changed, and trying again later may work.
 * Maps to a retryable 503.
 *
 * @example
 * catch (e) { if (e instanceof DevboxBusyError) return reply503({ 'retry-after': '1' }); }
 */
export class DevboxBusyError extends RuntimeError {
  override name = 'DevboxBusyError';
}

/**
 * Why a file operation failed, errno-style.
 *
 * @example
 * const code: RuntimeFileErrorCode = error instanceof RuntimeFileError ? error.code : 'EIO';
 * if (code === 'ENOENT') reply404();
 */
export type RuntimeFileErrorCode = 'ENOENT' | 'EISDIR' | 'ENOTDIR' | 'EACCES' | 'EINVAL' | 'ENOSPC' | 'EIO';

/**
 * A file read/write inside a devbox failed. `ENOENT` → 404, `EINVAL`,
 * `EISDIR`, `ENOTDIR` → 400, `EACCES` → 403, others → 500-class.
 *
 * @example
 * catch (e) { if (e instanceof RuntimeFileError && e.code === 'ENOENT') return notFound(); }
 */
export class RuntimeFileError extends RuntimeError {
  override name = 'RuntimeFileError';
  constructor(
    readonly code: RuntimeFileErrorCode,
    readonly path: string,
    detail?: string,
  ) {
    super(`${code}: ${path}${detail ? ` (${detail})` : ''}`);
  }
}

/**
 * Maps a tool's stderr (coreutils `cat`, `mkdir`, the shell; C locale) to
 * an errno-style code.
 *
 * @example
 * fileErrorCodeFromStderr('cat: x: No such file or directory'); // 'ENOENT'
 */
export function fileErrorCodeFromStderr(stderr: string): RuntimeFileErrorCode {
  // dash says "Directory nonexistent" when the parent of a file it creates is missing.
  if (/No such file|Directory nonexistent/i.test(stderr)) return 'ENOENT';
  // `mkdir -p` of a parent that exists as a file or a dangling link: a parent is not a directory.
  if (/cannot create directory .*: File exists/i.test(stderr)) return 'ENOTDIR';
  if (/Is a directory/i.test(stderr)) return 'EISDIR';
  if (/Not a directory/i.test(stderr)) return 'ENOTDIR';
  if (/Permission denied|Operation not permitted|Read-only file system/i.test(stderr)) return 'EACCES';
  if (/No space left|Disk quota/i.test(stderr)) return 'ENOSPC';
  if (/File name too long|Invalid argument/i.test(stderr)) return 'EINVAL';
  return 'EIO';
}
