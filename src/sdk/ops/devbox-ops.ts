import { asyncScheduler, map, type Observable, type ObservableInput, type SchedulerLike } from 'rxjs';
import type { DevboxEvictionEventView, DevboxStatusStrict } from '../../api/views/devbox.js';
import type { PageQuery } from '../../api/views/shared.js';
import { listItems } from '../internal/list-items.js';
import { Devbox } from '../devbox.js';
import type { OwnedDevbox } from '../owned-devbox.js';
import type { CallOptions, WaitOptions, ListOptions } from '../options.js';
import { requestOptions, type SdkContext } from '../internal/context.js';
import { createDevbox } from '../internal/create-devbox.js';
import type { DevboxFromSourceParams, SdkDevboxCreateParams } from '../params/devbox.js';
import { awaitDevboxStatus } from '../internal/devbox-waits.js';
import { evictionFeed } from '../internal/eviction-feed.js';
import { useDevbox } from '../internal/scoped-devbox.js';

/**
 * What `runloop.devbox.list` reads: an optional status filter, the total
 * `limit` and the `pageSize`.
 *
 * @example
 * const params: DevboxListParams = { status: 'running', limit: 10 };
 */
export interface DevboxListParams extends ListOptions {
  readonly status?: DevboxStatusStrict;
}

/**
 * `runloop.devbox`: create, find, list and scope devboxes. Every method is
 * cold: each subscription creates (or looks up) again.
 *
 * Creating is orphan-free: unsubscribing (or aborting) before the Devbox is
 * emitted shuts the new devbox down as soon as its id is known. After it is
 * emitted, the devbox lives until you shut it down; `use` does that for you.
 *
 * @example
 * runloop.devbox.create({ name: 'dev' }).subscribe((devbox) => console.log(devbox.id));
 */
export class DevboxOps {
  /** @internal */
  constructor(private readonly ctx: SdkContext) {}

  /**
   * Creates a devbox and waits until it is running.
   *
   * @example
   * runloop.devbox.create({ name: 'dev', mounts: [{ '/home/user/data.txt': obj }] }).subscribe();
   */
  create(
    params: SdkDevboxCreateParams = {},
    options: WaitOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<OwnedDevbox> {
    return createDevbox(this.ctx, params, options, scheduler);
  }

  /** Creates from a blueprint id. @example runloop.devbox.createFromBlueprintId('bpt_1', { name: 'dev' }).subscribe(); */
  createFromBlueprintId(
    id: string,
    params?: DevboxFromSourceParams,
    options?: WaitOptions,
    scheduler?: SchedulerLike,
  ): Observable<OwnedDevbox> {
    return this.create({ ...params, blueprintId: id }, options, scheduler);
  }

  /** Creates from the latest successful build of a named blueprint. @example runloop.devbox.createFromBlueprintName('py').subscribe(); */
  createFromBlueprintName(
    name: string,
    params?: DevboxFromSourceParams,
    options?: WaitOptions,
    scheduler?: SchedulerLike,
  ): Observable<OwnedDevbox> {
    return this.create({ ...params, blueprintName: name }, options, scheduler);
  }

  /** Creates from a disk snapshot. @example runloop.devbox.createFromSnapshot('snp_1').subscribe(); */
  createFromSnapshot(
    id: string,
    params?: DevboxFromSourceParams,
    options?: WaitOptions,
    scheduler?: SchedulerLike,
  ): Observable<OwnedDevbox> {
    return this.create({ ...params, snapshotId: id }, options, scheduler);
  }

  /**
   * An existing devbox, once it is running (long-poll). Attaching never
   * shuts it down.
   *
   * @example
   * runloop.devbox.fromId('dbx_1').subscribe((devbox) => console.log(devbox.id));
   */
  fromId(id: string, options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<Devbox> {
    return awaitDevboxStatus(this.ctx.api, id, 'running', options, undefined, scheduler).pipe(
      map((view) => new Devbox(this.ctx, view.id, view, scheduler)),
    );
  }

  /**
   * A handle for a devbox id with no request and no waiting.
   *
   * @example
   * runloop.devbox.attach('dbx_1').getInfo().subscribe();
   */
  attach(id: string, scheduler: SchedulerLike = asyncScheduler): Devbox {
    return new Devbox(this.ctx, id, undefined, scheduler);
  }

  /**
   * Devboxes matching `params`, at most `limit` in all, page after page
   * (`pageSize` each), fetched lazily as you consume.
   *
   * @example
   * runloop.devbox.list({ status: 'running', limit: 20 }).pipe(toArray()).subscribe((some) => console.log(some.length));
   */
  list(
    params: DevboxListParams = {},
    options?: CallOptions,
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<Devbox> {
    const { status } = params;
    const fetchPage = (page: PageQuery) =>
      this.ctx.api.devboxes.list(status === undefined ? page : { ...page, status }, requestOptions(options));
    return listItems(fetchPage, 'devboxes', params).pipe(map((view) => new Devbox(this.ctx, view.id, view, scheduler)));
  }

  /**
   * The scoped form (RxJS `using`; Python's `with`): creates a devbox, runs
   * `work(devbox)`, and shuts the devbox down when that completes, errors,
   * or is unsubscribed. On completion and error the shutdown finishes
   * BEFORE the result completes (or errors), so nothing is left running once
   * you see the end; on unsubscribe it is sent in the background.
   *
   * Shutdown failures: the work's error always wins. A devbox already gone
   * (404) or already shut down (409, then re-read) is success. A 409 because
   * a disk snapshot is still being captured is answered with a forced
   * shutdown: leaving the scope leaves nothing behind, so await
   * `snapshotDisk` (not `snapshotDiskAsync`) inside the work if you need the
   * snapshot. Any other shutdown failure after successful work replaces the
   * completion (the values were already emitted), since the devbox may
   * still be running.
   *
   * @example
   * runloop.devbox.use({ name: 'tmp' }, (devbox) => devbox.cmd.exec('echo hi')).subscribe((r) => console.log(r.exitCode));
   */
  use<T>(
    params: SdkDevboxCreateParams,
    work: (devbox: Devbox) => ObservableInput<T>,
    options: WaitOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<T> {
    return useDevbox(this.ctx, params, work, options, scheduler);
  }

  /**
   * The eviction feed: one event per devbox the server is about to evict
   * (`{ devbox_id, eviction_deadline_ms }`). Hot on the server side, cold
   * here: each subscription opens its own SSE connection; it reconnects
   * with a 0.5 s → 30 s doubling backoff and never completes on its own.
   * Events are pushed as they arrive (no backpressure).
   *
   * @example
   * runloop.devbox.evictions().pipe(filter((e) => e.devbox_id === devbox.id)).subscribe(() => saveWork());
   */
  evictions(options?: CallOptions, scheduler: SchedulerLike = asyncScheduler): Observable<DevboxEvictionEventView> {
    return evictionFeed(this.ctx.api, requestOptions(options), scheduler);
  }
}
