/**
 * Errors raised by the raw API client itself, before any request is sent.
 */
import { RunloopError, brandErrorClass } from '../core/errors.js';

/**
 * Parameters broke a rule the client checks before sending (so no request
 * was made), e.g. blueprint file mounts over the size limit.
 *
 * @example
 * catchError((e) => (e instanceof InvalidParamsError ? of(e.problems) : throwError(() => e)));
 */
export class InvalidParamsError extends RunloopError {
  static {
    brandErrorClass(this, 'InvalidParamsError');
  }
  override readonly code: string = 'RUNLOOP_INVALID_PARAMS';
  constructor(
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid parameters: ${problems.join('; ')}`, options);
  }
}
