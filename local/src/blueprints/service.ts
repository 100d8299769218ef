/**
 * Blueprints (runloop-api.md §11): validate a create, build it in the
 * background (build-queue + executor), resolve `blueprint_id` /
 * `blueprint_name` for new devboxes, and delete (refused while snapshots
 * depend on it; files kept until no devbox uses them).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlueprintCreateParams, BlueprintListQuery } from 'runloop-rx/views';
import type { DevboxCreateParams } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';
import { InvalidInputError, NotFoundError, WrongStateError } from '../errors.js';
import { clip } from '../http/clip.js';
import type { LayerResolution } from '../devboxes/hooks.js';
import type { Collection, ListQuery, Page } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import { BuildLog, type BuildLogEntry } from './build-log.js';
import { BuildQueue } from './build-queue.js';
import { extractBuildContext } from './context-extract.js';
import { BuildFailedError, runBuild } from './executor.js';
import { BLUEPRINT_COLLECTION, blueprintChain, type BlueprintRecord, type BlueprintStatusStrict } from './record.js';
import { egressPolicyOf, requireNetworkPolicy } from '../devboxes/references.js';
import { ImageStore } from '../images/image-store.js';

const IN_PROGRESS: readonly BlueprintStatusStrict[] = ['queued', 'provisioning', 'building'];

/**
 * The blueprints of one server.
 *
 * @example
 * const record = blueprints.create({ name: 'py', dockerfile: 'FROM python:3.12\nRUN pip install uv' });
 */
export class BlueprintService {
  readonly records: Collection<BlueprintRecord>;
  readonly #queue = new BuildQueue(2);
  readonly #images: ImageStore;

  constructor(private readonly ctx: ServerContext) {
    this.records = ctx.store.collection('blueprints', BLUEPRINT_COLLECTION);
    this.#images = new ImageStore({
      dir: join(ctx.config.dataDir, 'images'),
      ids: ctx.runtime?.info.idRange,
      ...ctx.config.images,
    });
  }

  /** The record; unknown id ⇒ 404. Deleted blueprints are still readable. */
  get(id: string): BlueprintRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new NotFoundError('blueprint', id);
    return record;
  }

  /** The build log so far (readable while the build runs). */
  logs(id: string): BuildLogEntry[] {
    return this.#log(this.get(id).id).read();
  }

  /** Records a blueprint (`queued`) and builds it in the background. Bad input fails first. */
  create(params: BlueprintCreateParams): BlueprintRecord {
    if (params.base_blueprint_id && params.base_blueprint_name) {
      throw new InvalidInputError(
        'body.base_blueprint_id',
        'give at most one of base_blueprint_id and base_blueprint_name',
      );
    }
    const base = this.#base(params);
    if (params.build_context) this.ctx.services.objects.view(params.build_context.object_id); // 404 early if missing
    requireNetworkPolicy(this.ctx, params.network_policy_id, 'network_policy_id');
    requireNetworkPolicy(this.ctx, params.launch_parameters?.network_policy_id, 'launch_parameters.network_policy_id');
    this.#secretEnv(params.secrets);
    const now = this.ctx.now();
    const record: BlueprintRecord = {
      id: newId(ID_PREFIX.blueprint, now),
      name: params.name,
      create_time_ms: now,
      parameters: params,
      state: 'created',
      status: 'queued',
      base_blueprint_id: base?.id ?? null,
      build_finish_time_ms: null,
      failure_reason: null,
      metadata: params.metadata ?? null,
      layer_dir: null,
      parent_layers: base ? blueprintChain(base) : [],
      image: null,
      files_removed: false,
    };
    this.records.put(record);
    this.#queue.enqueue(record.id, (signal) => this.#build(record.id, signal));
    return record;
  }

  /** A page of live blueprints, filtered by exact name and status. */
  list(query: BlueprintListQuery): Page<BlueprintRecord> {
    const where: ListQuery['where'] = { state: 'created', name: query.name, status: query.status };
    return this.records.list({
      where,
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
      ...(query.include_total_count !== undefined ? { includeTotalCount: query.include_total_count } : {}),
    });
  }

  /** Deletes a blueprint unless snapshots or other blueprints are built on it. */
  async delete(id: string): Promise<BlueprintRecord> {
    const record = this.get(id);
    if (record.state === 'deleted') return record;
    const snapshots = this.ctx.services.snapshots.records
      .all({ source_blueprint_id: id })
      .filter((s) => s.status !== 'deleted' && s.status !== 'error');
    if (snapshots.length > 0) {
      throw new WrongStateError(
        `blueprint ${id} has ${snapshots.length} dependent disk snapshot(s) (e.g. ${snapshots[0]!.id}); delete them first`,
        'blueprint_in_use',
      );
    }
    const children = this.records.all({ base_blueprint_id: id, state: 'created' });
    if (children.length > 0) {
      throw new WrongStateError(
        `blueprint ${id} is the base of blueprint ${children[0]!.id}; delete that first`,
        'blueprint_in_use',
      );
    }
    this.#queue.cancel(id);
    const deleted = this.records.update(id, (r) => ({ ...r, state: 'deleted' }))!;
    await this.collectGarbage();
    return this.records.get(id) ?? deleted;
  }

  /** Removes files of deleted blueprints that no devbox, snapshot or blueprint uses any more. */
  async collectGarbage(): Promise<void> {
    const usage = this.ctx.services.snapshots.layerUsage;
    for (const record of this.records.all({ state: 'deleted' })) {
      if (record.files_removed || IN_PROGRESS.includes(record.status)) continue;
      if (record.layer_dir !== null && usage.inUse(record.layer_dir)) continue;
      await rm(this.#dir(record.id), { recursive: true, force: true });
      this.records.update(record.id, (r) => ({ ...r, files_removed: true }));
    }
  }

  /** Environment defaults a devbox made from `id` inherits (the image's ENV). */
  environmentOf(id: string): Readonly<Record<string, string>> {
    return this.records.get(id)?.image?.env ?? {};
  }

  /** The layer resolver for `blueprint_id` / `blueprint_name` on devbox create. */
  async resolve(params: DevboxCreateParams): Promise<LayerResolution | undefined> {
    let record: BlueprintRecord | undefined;
    if (params.blueprint_id) {
      record = this.records.get(params.blueprint_id);
      if (record === undefined || record.state === 'deleted') throw new NotFoundError('blueprint', params.blueprint_id);
      if (record.status !== 'build_complete') {
        throw new InvalidInputError(
          'body.blueprint_id',
          `blueprint ${record.id} is ${record.status}; only a built blueprint (build_complete) can start a devbox`,
          'blueprint_not_ready',
        );
      }
    } else if (params.blueprint_name) {
      record = this.#newestBuilt(params.blueprint_name);
      if (record === undefined)
        throw new NotFoundError('blueprint', params.blueprint_name, {
          message: `no successfully built blueprint is named ${JSON.stringify(clip(params.blueprint_name))}`,
        });
    } else return undefined;
    return {
      layers: blueprintChain(record),
      blueprint_id: record.id,
      launch_parameters: record.parameters.launch_parameters ?? null,
      environment_variables: record.image?.env ?? {},
    };
  }

  /** After a restart: builds that were cut short fail; leftovers go. */
  async recover(): Promise<void> {
    for (const record of this.records.all({ status: { in: [...IN_PROGRESS] } })) {
      this.#log(record.id).append('error', 'Build failed: the server restarted during the build');
      await this.#cleanScratch(record.id);
      this.records.update(record.id, (r) => ({
        ...r,
        status: 'failed',
        failure_reason: 'build_failed',
        build_finish_time_ms: this.ctx.now(),
      }));
    }
    await this.collectGarbage();
  }

  /** Server stop: aborts builds in progress. */
  async close(): Promise<void> {
    await this.#queue.close();
  }

  #base(params: BlueprintCreateParams): BlueprintRecord | undefined {
    let base: BlueprintRecord | undefined;
    if (params.base_blueprint_id) {
      base = this.records.get(params.base_blueprint_id);
      if (base === undefined || base.state === 'deleted')
        throw new InvalidInputError(
          'body.base_blueprint_id',
          `base blueprint ${clip(params.base_blueprint_id)} does not exist`,
        );
    } else if (params.base_blueprint_name) {
      base = this.#newestBuilt(params.base_blueprint_name);
      if (base === undefined)
        throw new InvalidInputError(
          'body.base_blueprint_name',
          `no successfully built blueprint is named ${JSON.stringify(clip(params.base_blueprint_name))}`,
        );
    }
    if (base !== undefined && base.status !== 'build_complete') {
      throw new InvalidInputError(
        'body.base_blueprint_id',
        `base blueprint ${base.id} is ${base.status}; it must be build_complete`,
      );
    }
    return base;
  }

  /** The values of a `secrets` map (404 / 400 naming `secrets.KEY`); none without a secrets service. */
  #secretEnv(secrets: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
    if (secrets === null || secrets === undefined || Object.keys(secrets).length === 0) return {};
    if (!this.ctx.registry.has('secrets'))
      throw new InvalidInputError('body.secrets', 'secrets: this server runs no secrets service');
    return this.ctx.services.secrets.resolve(secrets, 'secrets');
  }

  #newestBuilt(name: string): BlueprintRecord | undefined {
    return this.records.list({
      where: { name, status: 'build_complete', state: 'created' },
      limit: 1,
      includeTotalCount: false,
    }).items[0];
  }

  #dir(id: string): string {
    return join(this.ctx.config.dataDir, 'blueprints', id);
  }

  #log(id: string): BuildLog {
    return new BuildLog(join(this.#dir(id), 'build.log'), this.ctx.now);
  }

  async #cleanScratch(id: string): Promise<void> {
    const dir = this.#dir(id);
    await Promise.all(['build', 'layer.tmp', 'context'].map((d) => rm(join(dir, d), { recursive: true, force: true })));
  }

  #setStatus(id: string, status: BlueprintStatusStrict): void {
    this.records.update(id, (r) => ({ ...r, status }));
  }

  async #build(id: string, signal: AbortSignal): Promise<void> {
    const record = this.get(id);
    const dir = this.#dir(id);
    await mkdir(dir, { recursive: true });
    const params = record.parameters;
    let log = this.#log(id);
    try {
      if (this.ctx.runtime === undefined) {
        log.append('error', 'Build failed: no devbox runtime is available on this server');
        throw new BuildFailedError('no devbox runtime is available on this server');
      }
      for (const ignored of ['services', 'code_mounts'] as const) {
        const value = params[ignored];
        if (value && Object.keys(value).length > 0)
          log.append('warn', `${ignored} are not supported by runloop-local builds; ignored`);
      }
      // Read when the build starts (a secret deleted since fails it, by name); masked in this build's log.
      const secretEnv = this.#secretEnv(params.secrets);
      log = log.masking(Object.values(secretEnv));
      let contextDir: string | undefined;
      if (params.build_context) {
        this.#setStatus(id, 'provisioning');
        contextDir = join(dir, 'context');
        await rm(contextDir, { recursive: true, force: true });
        await mkdir(contextDir, { recursive: true });
        const content = await this.ctx.services.objects.open(params.build_context.object_id);
        const { files } = await extractBuildContext(content.stream, contextDir);
        log.append('info', `Build context ${params.build_context.object_id}: ${files} files`);
      }
      const base = record.base_blueprint_id !== null ? this.records.get(record.base_blueprint_id) : undefined;
      const outcome = await runBuild(
        this.ctx.runtime,
        {
          id,
          ...(params.dockerfile ? { dockerfile: params.dockerfile } : {}),
          systemSetupCommands: params.system_setup_commands ?? [],
          buildArgs: params.build_args ?? {},
          fileMounts: params.file_mounts ?? {},
          ...(contextDir !== undefined ? { contextDir } : {}),
          baseLayers: record.parent_layers,
          baseEnv: base?.image?.env ?? {},
          dir,
          log,
          signal,
          images: this.#images,
          secretEnv,
          // Build-time only: the build devbox runs under it; devboxes from the blueprint do not.
          ...egressPolicyOf(this.ctx, params.network_policy_id),
        },
        (phase) => this.#setStatus(id, phase),
      );
      this.records.update(id, (r) => ({
        ...r,
        status: 'build_complete',
        layer_dir: outcome.layerDir,
        // A pulled FROM image's layers are what the blueprint stands on.
        parent_layers: outcome.imageLayers.length > 0 ? outcome.imageLayers : r.parent_layers,
        image: outcome.metadata,
        build_finish_time_ms: this.ctx.now(),
      }));
    } catch (error) {
      // runBuild logs its own failures; anything else (context, objects) is logged here.
      if (!(error instanceof BuildFailedError))
        log.append('error', `Build failed: ${error instanceof Error ? error.message : String(error)}`);
      this.records.update(id, (r) => ({
        ...r,
        status: 'failed',
        failure_reason: 'build_failed',
        build_finish_time_ms: this.ctx.now(),
      }));
    } finally {
      await rm(join(dir, 'context'), { recursive: true, force: true }).catch(() => undefined);
      if (this.records.get(id)?.state === 'deleted') await this.collectGarbage().catch(() => undefined);
    }
  }
}
