/**
 * Disk snapshots (runloop-api.md §10): capture a running devbox's writable
 * layer (frozen while copied) into `<dataDir>/snapshots/<id>/layer`, via a
 * temp dir renamed on success; keep the source devbox's own layers as the
 * snapshot's parents so snapshots of snapshots stack; resolve `snapshot_id`
 * for new devboxes; keep a deleted snapshot's files until nothing uses them.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevboxCreateParams } from 'runloop-rx/views';
import type { SnapshotCreateParams, SnapshotUpdateParams } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';
import type { LayerResolution } from '../devboxes/service.js';
import type { DevboxRecord } from '../devboxes/record.js';
import { BusyError, InvalidInputError, NotFoundError, OperationFailedError, WrongStateError } from '../errors.js';
import { CursorNotFoundError, type Collection, type ListQuery, type Page } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import { devboxLayerHolder, LayerUsage } from './layer-usage.js';
import { layerChain, SNAPSHOT_COLLECTION, type SnapshotRecord } from './record.js';
import { DevboxBusyError } from '../runtime/index.js';

/** What a snapshot that met a devbox that would not pause says: retryable, no internals. */
const BUSY_MESSAGE = 'the devbox could not be paused for the snapshot in time; try again';

/**
 * Query of {@link SnapshotService.list}.
 *
 * @example
 * snapshots.list({ devboxId: 'dbx_1', metadata: { stage: ['one', 'two'] }, limit: 10 });
 */
export interface SnapshotListOptions {
  readonly limit?: number;
  readonly startingAfter?: string;
  readonly includeTotalCount?: boolean;
  readonly devboxId?: string;
  readonly sourceBlueprintId?: string;
  readonly metadata?: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * The disk snapshots of one server.
 *
 * @example
 * const record = await snapshots.create('dbx_1', { name: 'before' }, { wait: true });
 */
export class SnapshotService {
  readonly records: Collection<SnapshotRecord>;
  /** Shared with blueprints: who still needs a layer directory. */
  readonly layerUsage = new LayerUsage();
  /** Devbox id → snapshots being captured now (shutdown is refused meanwhile unless forced). */
  readonly #capturing = new Map<string, number>();
  readonly #tasks = new Set<Promise<unknown>>();
  /** Environment defaults of a blueprint, supplied by the blueprints area. */
  blueprintEnvironment: (blueprintId: string) => Readonly<Record<string, string>> = () => ({});

  constructor(private readonly ctx: ServerContext) {
    this.records = ctx.store.collection('disk_snapshots', SNAPSHOT_COLLECTION);
    this.layerUsage.addHolder(devboxLayerHolder(() => ctx.services.devboxes.records));
    this.layerUsage.addHolder(() => this.records.all({ status: { in: ['in_progress', 'complete'] } }).map(layerChain));
  }

  /** The record; unknown id ⇒ 404. */
  get(id: string): SnapshotRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new NotFoundError('disk snapshot', id);
    return record;
  }

  /** True while a snapshot of `devboxId` is being captured. */
  isCapturing(devboxId: string): boolean {
    return (this.#capturing.get(devboxId) ?? 0) > 0;
  }

  /**
   * Starts a snapshot of a running devbox. With `wait`, resolves once it is
   * complete (or throws when it failed); otherwise returns the `in_progress` record.
   */
  async create(
    devboxId: string,
    params: SnapshotCreateParams,
    options: { readonly wait: boolean },
  ): Promise<SnapshotRecord> {
    const devboxes = this.ctx.services.devboxes;
    const source = devboxes.get(devboxId);
    // A suspended devbox is still frozen in place: capturing it keeps it frozen.
    const handle = source.status === 'running' || source.status === 'suspended' ? devboxes.handle(devboxId) : undefined;
    if (handle === undefined) {
      throw new WrongStateError(
        `devbox ${devboxId} is ${source.status}; only a running or suspended devbox can be snapshotted`,
      );
    }
    const now = this.ctx.now();
    const id = newId(ID_PREFIX.snapshot, now);
    const dir = join(this.ctx.config.dataDir, 'snapshots', id);
    const record: SnapshotRecord = {
      id,
      create_time_ms: now,
      metadata: params.metadata ?? {},
      source_devbox_id: devboxId,
      name: params.name ?? null,
      commit_message: params.commit_message ?? null,
      size_bytes: null,
      source_blueprint_id: this.#blueprintOf(source),
      status: 'in_progress',
      error_message: null,
      layer_dir: join(dir, 'layer'),
      parent_layers: [...source.boot.layers],
      environment_defaults: this.#environmentOf(source),
      files_removed: false,
    };
    this.records.put(record);
    this.#capturing.set(devboxId, (this.#capturing.get(devboxId) ?? 0) + 1);
    const capture = this.#capture(record, dir, handle.captureLayer.bind(handle)).finally(() => {
      const left = (this.#capturing.get(devboxId) ?? 1) - 1;
      if (left <= 0) this.#capturing.delete(devboxId);
      else this.#capturing.set(devboxId, left);
    });
    this.#tasks.add(capture);
    void capture.finally(() => this.#tasks.delete(capture));
    if (!options.wait) return record;
    const done = await capture;
    if (done.status === 'error') {
      const now = devboxes.records.get(devboxId)?.status;
      if (now === 'shutdown' || now === 'failure') {
        throw new WrongStateError(`devbox ${devboxId} ended (${now}) during the snapshot`);
      }
      if (done.error_message === BUSY_MESSAGE) {
        throw new BusyError('devbox_busy', `snapshot of ${devboxId}: ${BUSY_MESSAGE}`, 1);
      }
      throw new OperationFailedError(
        'snapshot_failed',
        `snapshot of ${devboxId} failed: ${done.error_message ?? 'unknown error'}`,
      );
    }
    return done;
  }

  /** A page of live snapshots (deleted ones are left out). */
  list(options: SnapshotListOptions): Page<SnapshotRecord> {
    const where: ListQuery['where'] = {
      status: { not: 'deleted' },
      devbox_id: options.devboxId,
      source_blueprint_id: options.sourceBlueprintId,
    };
    const filters = Object.entries(options.metadata ?? {});
    if (filters.length === 0) {
      return this.records.list({
        where,
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        ...(options.startingAfter !== undefined ? { startingAfter: options.startingAfter } : {}),
        ...(options.includeTotalCount !== undefined ? { includeTotalCount: options.includeTotalCount } : {}),
      });
    }
    // Metadata lives in the JSON document: filter in memory, then page by cursor by hand.
    const matches = this.records
      .all(where)
      .reverse()
      .filter((r) =>
        filters.every(([k, v]) =>
          typeof v === 'string' ? r.metadata[k] === v : v.includes(r.metadata[k] ?? '\u0000'),
        ),
      );
    let start = 0;
    if (options.startingAfter !== undefined) {
      const index = matches.findIndex((r) => r.id === options.startingAfter);
      if (index < 0) throw new CursorNotFoundError(options.startingAfter);
      start = index + 1;
    }
    const limit = Math.min(5000, Math.max(1, options.limit ?? 20));
    return {
      items: matches.slice(start, start + limit),
      hasMore: matches.length > start + limit,
      totalCount: options.includeTotalCount === false ? undefined : matches.length,
    };
  }

  /** Renames, replaces metadata wholesale, or changes the commit message. */
  update(id: string, params: SnapshotUpdateParams): SnapshotRecord {
    if (this.get(id).status === 'deleted') throw new NotFoundError('disk snapshot', id);
    return this.records.update(id, (r) => ({
      ...r,
      name: params.name === undefined ? r.name : params.name,
      metadata: params.metadata === undefined ? r.metadata : (params.metadata ?? {}),
      commit_message: params.commit_message === undefined ? r.commit_message : params.commit_message,
    }))!;
  }

  /** Marks the snapshot deleted and removes its files unless a devbox or snapshot still uses them. */
  async delete(id: string): Promise<SnapshotRecord> {
    const record = this.get(id);
    if (record.status === 'deleted') return record;
    if (record.status === 'in_progress') {
      throw new WrongStateError(`disk snapshot ${id} is still being captured`, 'snapshot_in_progress');
    }
    const deleted = this.records.update(id, (r) => ({ ...r, status: 'deleted' }))!;
    await this.collectGarbage();
    return this.get(deleted.id);
  }

  /** Removes the files of deleted snapshots that nothing uses any more. */
  async collectGarbage(): Promise<void> {
    for (const record of this.records.all({ status: 'deleted' })) {
      if (record.files_removed || this.layerUsage.inUse(record.layer_dir)) continue;
      await rm(join(record.layer_dir, '..'), { recursive: true, force: true });
      this.records.update(record.id, (r) => ({ ...r, files_removed: true }));
    }
  }

  /** The layer resolver for `snapshot_id` on devbox create. */
  async resolve(params: DevboxCreateParams): Promise<LayerResolution | undefined> {
    const id = params.snapshot_id;
    if (id === undefined || id === null) return undefined;
    const record = this.records.get(id);
    if (record === undefined || record.status === 'deleted') throw new NotFoundError('disk snapshot', id);
    if (record.status !== 'complete') {
      throw new InvalidInputError(
        'body.snapshot_id',
        `disk snapshot ${id} is ${record.status}; only a complete snapshot can start a devbox`,
        'snapshot_not_ready',
      );
    }
    return {
      layers: layerChain(record),
      snapshot_id: id,
      blueprint_id: record.source_blueprint_id,
      environment_variables: record.environment_defaults,
    };
  }

  /** After a restart: captures that were cut short are errors; their half layers go. */
  async recover(): Promise<void> {
    for (const record of this.records.all({ status: 'in_progress' })) {
      await rm(join(record.layer_dir, '..'), { recursive: true, force: true });
      this.records.update(record.id, (r) => ({
        ...r,
        status: 'error',
        error_message: 'the server restarted while the snapshot was being captured',
      }));
    }
    await this.collectGarbage();
  }

  /** Waits for captures in flight (server stop). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#tasks]);
  }

  async #capture(
    record: SnapshotRecord,
    dir: string,
    capture: (dest: string) => Promise<{ readonly sizeBytes: number }>,
  ): Promise<SnapshotRecord> {
    const temp = join(dir, 'layer.tmp');
    try {
      await mkdir(dir, { recursive: true });
      const { sizeBytes } = await capture(temp);
      await rename(temp, record.layer_dir);
      return this.records.update(record.id, (r) => ({ ...r, status: 'complete', size_bytes: sizeBytes }))!;
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      const detail = error instanceof Error ? error.message : String(error);
      this.ctx.log.warn('disk snapshot failed', { id: record.id, devbox: record.source_devbox_id, error: detail });
      // The record is the client's: it says what happened, never host paths or runtime internals (those go to the log).
      const message =
        error instanceof DevboxBusyError ? BUSY_MESSAGE : 'the devbox disk could not be copied (see the server log)';
      return this.records.update(record.id, (r) => ({ ...r, status: 'error', error_message: message }))!;
    }
  }

  #blueprintOf(source: DevboxRecord): string | null {
    if (source.blueprint_id !== null) return source.blueprint_id;
    if (source.snapshot_id !== null) return this.records.get(source.snapshot_id)?.source_blueprint_id ?? null;
    return null;
  }

  #environmentOf(source: DevboxRecord): Readonly<Record<string, string>> {
    if (source.snapshot_id !== null) {
      const parent = this.records.get(source.snapshot_id);
      if (parent !== undefined) return parent.environment_defaults;
    }
    return source.blueprint_id !== null ? this.blueprintEnvironment(source.blueprint_id) : {};
  }
}
