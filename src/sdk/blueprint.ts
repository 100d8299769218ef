import {
  asyncScheduler,
  concat,
  concatMap,
  defer,
  from,
  switchMap,
  takeWhile,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import {
  isBlueprintBuildOver,
  type BlueprintBuildLog,
  type BlueprintBuildLogsView,
  type BlueprintView,
} from '../api/views/blueprint.js';
import { abortOn } from '../core/abort.js';
import { pollUntil } from '../core/polling.js';
import type { OwnedDevbox } from './owned-devbox.js';
import { pollingConfigOf, type CallOptions, type WaitOptions } from './options.js';
import type { DevboxFromSourceParams } from './params/devbox.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { createDevbox } from './internal/create-devbox.js';
import { asVoid } from './internal/as-void.js';

/**
 * A blueprint (a devbox image built from a Dockerfile). Every method is cold.
 *
 * @example
 * runloop.blueprint.fromId('bpt_1').pipe(switchMap((bp) => bp.createDevbox({ name: 'dev' }))).subscribe();
 */
export class Blueprint {
  /** @internal use `runloop.blueprint.*`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The blueprint id. */
    readonly id: string,
    /** The view this handle was made from, if any. */
    readonly initial?: BlueprintView,
  ) {}

  /** The blueprint's view (GET). @example bp.getInfo().subscribe((v) => console.log(v.status)); */
  getInfo(options?: CallOptions): Observable<BlueprintView> {
    return defer(() => this.ctx.api.blueprints.retrieve(this.id, requestOptions(options)));
  }

  /** The build log so far. @example bp.logs().subscribe(({ logs }) => logs.forEach((l) => console.log(l.message))); */
  logs(options?: CallOptions): Observable<BlueprintBuildLogsView> {
    return defer(() => this.ctx.api.blueprints.logs(this.id, requestOptions(options)));
  }

  /**
   * The build log as a live stream of entries: every entry once, in order,
   * polled with `pollingConfig.intervalMs` (default 1 s) between reads while the build is
   * in progress, ending after the final entries once it is over.
   *
   * @example
   * bp.buildLog().subscribe((entry) => console.log(entry.level, entry.message));
   */
  buildLog(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<BlueprintBuildLog> {
    return defer(() => {
      let seen = 0;
      const { intervalMs } = pollingConfigOf(options.pollingConfig);
      const newEntries = (): Observable<BlueprintBuildLog> =>
        this.logs(options).pipe(
          switchMap(({ logs }) => {
            const fresh = logs.slice(seen);
            seen = Math.max(seen, logs.length);
            return from(fresh);
          }),
        );
      const whileBuilding$ = pollUntil(
        this.getInfo(options),
        (view) => isBlueprintBuildOver(view.status),
        { intervalMs },
        scheduler,
      ).pipe(
        takeWhile((view) => !isBlueprintBuildOver(view.status)),
        concatMap(() => newEntries()),
      );
      // One last read after the build ended picks up its final lines.
      return concat(
        whileBuilding$,
        defer(() => newEntries()),
      );
    }).pipe(abortOn(options.signal));
  }

  /** Deletes the blueprint; emits once when done. @example bp.delete().subscribe(); */
  delete(options?: CallOptions): Observable<void> {
    return defer(() => this.ctx.api.blueprints.delete(this.id, requestOptions(options))).pipe(asVoid());
  }

  /**
   * Creates a devbox from this blueprint and waits until it is running.
   *
   * @example
   * bp.createDevbox({ name: 'dev' }).subscribe((devbox) => console.log(devbox.id));
   */
  createDevbox(
    params: DevboxFromSourceParams = {},
    options: WaitOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<OwnedDevbox> {
    return createDevbox(this.ctx, { ...params, blueprintId: this.id }, options, scheduler);
  }
}
