import { asyncScheduler, defer, last, map, of, switchMap, throwError, type Observable, type SchedulerLike } from 'rxjs';
import type { BlueprintCreateParams } from '../../api/views/blueprint.js';
import { isBlueprintBuildOver } from '../../api/views/blueprint.js';
import { abortOn } from '../../core/abort.js';
import type { PageQuery } from '../../api/views/shared.js';
import { listItems } from '../internal/list-items.js';
import { definedFields } from '../internal/defined-fields.js';
import { describeTimeout } from '../internal/timeout-state.js';
import { pollUntil } from '../../core/polling.js';
import { Blueprint } from '../blueprint.js';
import { BlueprintBuildError } from '../errors.js';
import { pollingConfigOf, type CallOptions, type WaitOptions, type ListOptions } from '../options.js';
import { blueprintCreateToWire, type SdkBlueprintCreateParams } from '../params/blueprint.js';
import { requestOptions, type SdkContext } from '../internal/context.js';
import type { StorageObjectOps } from './storage-object-ops.js';

/**
 * What `runloop.blueprint.list` reads: filters, the total `limit` and the `pageSize`.
 *
 * @example
 * const params: BlueprintListParams = { name: 'py', limit: 5 };
 */
export interface BlueprintListParams extends ListOptions {
  readonly name?: string;
  readonly status?: string;
}

/**
 * How long a build context uploaded from a directory is kept (runloop-api.md §13).
 *
 * @example
 * runloop.storageObject.uploadFromDir('./app', { name: 'ctx', ttlMs: BUILD_CONTEXT_TTL_MS });
 */
export const BUILD_CONTEXT_TTL_MS = 3_600_000;

/**
 * `runloop.blueprint`: build, find and list blueprints. Every method is cold.
 *
 * @example
 * runloop.blueprint.create({ name: 'py', dockerfile: 'FROM ubuntu:24.04\nRUN apt-get update' }).subscribe((bp) => console.log(bp.id));
 */
export class BlueprintOps {
  /** @internal */
  constructor(
    private readonly ctx: SdkContext,
    private readonly objects: StorageObjectOps,
  ) {}

  /**
   * Creates a blueprint and waits until it is built (polling every
   * `pollingConfig.intervalMs`, default 1 s). A failed build errors with
   * {@link BlueprintBuildError} holding the final view and the whole build
   * log. A status this SDK does not know yet keeps the wait going.
   *
   * @example
   * runloop.blueprint.create({ name: 'app', dockerfile, buildContextDir: './app' }).subscribe();
   */
  create(
    params: SdkBlueprintCreateParams,
    options: WaitOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<Blueprint> {
    const { buildContextDir, buildContextIgnore } = params;
    const body = blueprintCreateToWire(params);
    const context$: Observable<BlueprintCreateParams> =
      buildContextDir === undefined
        ? of(body)
        : this.objects
            .uploadFromDir(buildContextDir, {
              name: `build-context-${params.name}`,
              ttlMs: BUILD_CONTEXT_TTL_MS,
              ...definedFields({ ignore: buildContextIgnore, signal: options.signal }),
            })
            .pipe(map((object) => ({ ...body, build_context: object.asBuildContext() })));
    return context$.pipe(
      switchMap((createBody) => this.ctx.api.blueprints.create(createBody, requestOptions(options))),
      switchMap((view) => this.#awaitBuilt(view.id, options, scheduler)),
      // Between polls no request is in flight to carry the abort: end the wait at once.
      abortOn(options.signal),
    );
  }

  /** An existing blueprint (GET, so a wrong id fails with NotFoundError). @example runloop.blueprint.fromId('bpt_1').subscribe(); */
  fromId(id: string, options?: CallOptions): Observable<Blueprint> {
    return defer(() => this.ctx.api.blueprints.retrieve(id, requestOptions(options))).pipe(
      map((view) => new Blueprint(this.ctx, view.id, view)),
    );
  }

  /**
   * Blueprints matching `params`, at most `limit` in all, page after page
   * (`pageSize` each), fetched lazily.
   *
   * @example
   * runloop.blueprint.list({ name: 'py', limit: 5 }).subscribe((bp) => console.log(bp.id));
   */
  list(params: BlueprintListParams = {}, options?: CallOptions): Observable<Blueprint> {
    const { name, status } = params;
    const filters = definedFields({ name, status });
    const fetchPage = (page: PageQuery) =>
      this.ctx.api.blueprints.list({ ...page, ...filters }, requestOptions(options));
    return listItems(fetchPage, 'blueprints', params).pipe(map((view) => new Blueprint(this.ctx, view.id, view)));
  }

  #awaitBuilt(id: string, options: WaitOptions, scheduler: SchedulerLike): Observable<Blueprint> {
    const fetch$ = defer(() => this.ctx.api.blueprints.retrieve(id, requestOptions(options)));
    return pollUntil(
      fetch$,
      (view) => isBlueprintBuildOver(view.status),
      pollingConfigOf(options.pollingConfig),
      scheduler,
    ).pipe(
      last(),
      describeTimeout({ resource: `blueprint ${id}`, state: 'build_complete' }),
      switchMap((view) =>
        view.status === 'build_complete'
          ? of(new Blueprint(this.ctx, view.id, view))
          : this.ctx.api.blueprints
              .logs(id, requestOptions(options))
              .pipe(switchMap(({ logs }) => throwError(() => new BlueprintBuildError(view, logs)))),
      ),
    );
  }
}
