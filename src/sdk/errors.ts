/**
 * Errors raised by the object SDK on top of the core ones. They extend
 * {@link RunloopError}, so `err instanceof RunloopError` catches them too.
 */
import { RunloopError, brandErrorClass } from '../core/errors.js';
import type { BlueprintBuildLog, BlueprintView } from '../api/views/blueprint.js';
import type { DevboxView } from '../api/views/devbox.js';
import type { SnapshotStatusView } from '../api/views/disk-snapshot.js';

/**
 * A devbox reached a state it cannot leave for the one awaited (e.g. `failure`
 * while waiting for `running`). `devbox` is the last view seen.
 *
 * @example
 * catchError((e) => (e instanceof DevboxStateError ? of(e.devbox.failure_reason) : throwError(() => e)));
 */
export class DevboxStateError extends RunloopError {
  static {
    brandErrorClass(this, 'DevboxStateError');
  }
  override readonly code: string = 'RUNLOOP_DEVBOX_STATE';
  constructor(
    readonly devbox: DevboxView,
    readonly expected: string,
  ) {
    super(`Devbox ${devbox.id} is ${devbox.status}, expected ${expected}`);
  }
}

/**
 * A blueprint build ended in a status other than `build_complete`. Holds the
 * final view and the whole build log.
 *
 * @example
 * catchError((e) => (e instanceof BlueprintBuildError ? of(e.logs.map((l) => l.message)) : throwError(() => e)));
 */
export class BlueprintBuildError extends RunloopError {
  static {
    brandErrorClass(this, 'BlueprintBuildError');
  }
  override readonly code: string = 'RUNLOOP_BLUEPRINT_BUILD';
  constructor(
    readonly blueprint: BlueprintView,
    readonly logs: readonly BlueprintBuildLog[],
  ) {
    super(
      `Blueprint ${blueprint.id} (${blueprint.name}) ended ${blueprint.status}` +
        (blueprint.failure_reason ? ` (${blueprint.failure_reason})` : ''),
    );
  }
}

/**
 * A disk snapshot ended in `error` (or was deleted) instead of `complete`.
 *
 * @example
 * catchError((e) => (e instanceof SnapshotError ? of(e.status.error_message) : throwError(() => e)));
 */
export class SnapshotError extends RunloopError {
  static {
    brandErrorClass(this, 'SnapshotError');
  }
  override readonly code: string = 'RUNLOOP_SNAPSHOT';
  constructor(
    readonly snapshotId: string,
    readonly status: SnapshotStatusView,
  ) {
    super(`Snapshot ${snapshotId} ended ${status.status}${status.error_message ? `: ${status.error_message}` : ''}`);
  }
}

/**
 * A presigned object URL answered with a non-2xx status.
 *
 * @example
 * if (err instanceof ObjectTransferError) console.error(err.status);
 */
export class ObjectTransferError extends RunloopError {
  static {
    brandErrorClass(this, 'ObjectTransferError');
  }
  override readonly code: string = 'RUNLOOP_OBJECT_TRANSFER';
  constructor(
    readonly method: 'GET' | 'PUT',
    readonly status: number,
    message: string,
  ) {
    super(`${method} of a presigned object URL failed with ${status}: ${message}`);
  }
}

/**
 * Bad arguments to an SDK method, caught before any request is sent.
 *
 * @example
 * if (err instanceof InvalidArgumentError) console.error(err.message);
 */
export class InvalidArgumentError extends RunloopError {
  static {
    brandErrorClass(this, 'InvalidArgumentError');
  }
  override readonly code: string = 'RUNLOOP_INVALID_ARGUMENT';
}

/**
 * `RunloopSDK.local()` / `startLocal()` need the optional peer package
 * `runloop-local` (the embedded server), and it is not installed. The SDK
 * ships without it on purpose, so its install stays small and free of native
 * builds; `cause` is the module-not-found error.
 *
 * @example
 * catchError((e) => (e instanceof LocalServerUnavailableError ? of(new RunloopSDK()) : throwError(() => e)));
 */
export class LocalServerUnavailableError extends RunloopError {
  static {
    brandErrorClass(this, 'LocalServerUnavailableError');
  }
  override readonly code: string = 'RUNLOOP_LOCAL_UNAVAILABLE';
  constructor(options?: { cause?: unknown }) {
    super('RunloopSDK.local() needs the embedded server package: npm install runloop-local', options);
  }
}
