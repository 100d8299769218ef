import { asyncScheduler, defer, type Observable, type SchedulerLike } from 'rxjs';
import type { SnapshotStatusView, SnapshotView } from '../api/views/disk-snapshot.js';
import type { OwnedDevbox } from './owned-devbox.js';
import type { CallOptions, WaitOptions } from './options.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { createDevbox } from './internal/create-devbox.js';
import type { DevboxFromSourceParams } from './params/devbox.js';
import { snapshotToWire, type SdkSnapshotParams } from './params/snapshot.js';
import { awaitSnapshotCompleted } from './internal/snapshot-waits.js';
import { asVoid } from './internal/as-void.js';

/**
 * A disk snapshot of a devbox. Every method is cold.
 *
 * @example
 * const snapshot = await lastValueFrom(devbox.snapshotDisk({ name: 'before-upgrade' }));
 * snapshot.createDevbox({ name: 'restored' }).subscribe((d) => console.log(d.id));
 */
export class Snapshot {
  /** @internal use `runloop.snapshot.fromId` or `devbox.snapshotDisk`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The snapshot id. */
    readonly id: string,
  ) {}

  /**
   * The snapshot's status (and its view once complete).
   *
   * @example
   * snapshot.getInfo().subscribe((s) => console.log(s.status));
   */
  getInfo(options?: CallOptions): Observable<SnapshotStatusView> {
    return defer(() => this.ctx.api.diskSnapshots.queryStatus(this.id, requestOptions(options)));
  }

  /**
   * Updates name, metadata (replaced wholesale) or commit message.
   *
   * @example
   * snapshot.update({ name: 'v2', metadata: { version: '2' } }).subscribe();
   */
  update(params: SdkSnapshotParams, options?: CallOptions): Observable<SnapshotView> {
    return defer(() => this.ctx.api.diskSnapshots.update(this.id, snapshotToWire(params), requestOptions(options)));
  }

  /**
   * Deletes the snapshot; emits once when done.
   *
   * @example
   * snapshot.delete().subscribe();
   */
  delete(options?: CallOptions): Observable<void> {
    return defer(() => this.ctx.api.diskSnapshots.delete(this.id, requestOptions(options))).pipe(asVoid());
  }

  /**
   * Polls until the snapshot is complete; `error` fails with SnapshotError,
   * the deadline with PollingTimeoutError (carrying the last status).
   *
   * @example
   * snapshot.awaitCompleted({ pollingConfig: { intervalMs: 2_000, timeoutMs: 600_000 } }).subscribe();
   */
  awaitCompleted(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<SnapshotStatusView> {
    return awaitSnapshotCompleted(this.ctx.api, this.id, options, scheduler);
  }

  /**
   * Creates a devbox from this snapshot and waits until it is running
   * (orphan-free if cancelled, see `runloop.devbox.create`).
   *
   * @example
   * snapshot.createDevbox({ name: 'from-snapshot' }).subscribe((devbox) => console.log(devbox.id));
   */
  createDevbox(
    params: DevboxFromSourceParams = {},
    options: WaitOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<OwnedDevbox> {
    return createDevbox(this.ctx, { ...params, snapshotId: this.id }, options, scheduler);
  }
}
