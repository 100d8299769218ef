/**
 * The devbox service: lifecycle (create, suspend, resume, shutdown), the
 * live runtime handles, and restart reconciliation. Timers and long-polls
 * live in their own modules; HTTP is in routes.ts.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { filter, Subject, type Observable } from 'rxjs';
import type { DevboxCreateParams, DevboxStatusStrict, DevboxUpdateParams, DevboxView } from 'runloop-rx/views';
import { launchParametersProblems, type LaunchParameters } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';
import { InvalidInputError, NotFoundError, UnavailableError, WrongStateError } from '../errors.js';
import { HttpError } from '../http/route.js';
import type { Collection } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import type { DevboxHandle, DevboxRuntime } from '../runtime/types.js';
import { DevboxLogs } from './devbox-logs.js';
import { egressPolicyOf, requireNetworkPolicy } from './references.js';
import { canTransition, isFinal } from './lifecycle.js';
import { applyCodeMount } from '../code-mounts/index.js';
import { checkEnvironmentSize } from '../secrets/rules.js';
import { applyMounts, mountsOf, withoutTokens, type CodeMountCloner, type MountObjects } from './mounts.js';
import { objectionOf, resolveLayers, type LayerResolver, type LiveDevbox, type ShutdownGuard } from './hooks.js';
import {
  DEVBOX_COLLECTION,
  newDevboxRecord,
  toDevboxView,
  withStatus,
  type DevboxRecord,
  type TransitionExtras,
} from './record.js';
import { runLaunchCommands, startEntrypoint, type LogSink } from './startup.js';
import { DevboxTimers } from './timers.js';

export type { LayerResolution, LayerResolver, LiveDevbox, ShutdownGuard } from './hooks.js';

interface Live {
  readonly handle: DevboxHandle;
  /** `environment_variables` plus the secrets' values as read at this start (see {@link DevboxService.envOf}). */
  env: Readonly<Record<string, string>>;
  /** True once this service stops the handle on purpose (not a crash). */
  stopping: boolean;
}

const BOOTING: readonly DevboxStatusStrict[] = [
  'queued',
  'scheduled',
  'provisioning',
  'initializing',
  'resuming',
  'suspending',
  'running',
];

/**
 * The devboxes of one server.
 *
 * @example
 * const devboxes = new DevboxService(ctx);
 * const record = await devboxes.create({ name: 'dev' });
 */
export class DevboxService {
  readonly records: Collection<DevboxRecord>;
  readonly logs: DevboxLogs;
  readonly #changes = new Subject<DevboxRecord>();
  /** Every status or field change of any devbox, as stored. */
  readonly changes$: Observable<DevboxRecord> = this.#changes.asObservable();
  /** Each devbox as it reaches a final status (shutdown, failure): what it held may go. */
  readonly ended$: Observable<DevboxRecord> = this.changes$.pipe(filter((record) => isFinal(record.status)));
  readonly #live = new Map<string, Live>();
  readonly #resolvers: LayerResolver[] = [];
  readonly #guards: ShutdownGuard[] = [];
  readonly #tasks = new Set<Promise<void>>();
  readonly #timers: DevboxTimers;
  #closing = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly objects: MountObjects,
  ) {
    this.records = ctx.store.collection('devboxes', DEVBOX_COLLECTION);
    this.logs = new DevboxLogs(ctx.now);
    this.#timers = new DevboxTimers(ctx.now, (id) => this.#onDeadline(id));
  }

  /** Adds a resolver for blueprint / snapshot ids (the snapshots and blueprints areas). */
  registerLayerResolver(resolver: LayerResolver): void {
    this.#resolvers.push(resolver);
  }

  /** Adds a check run before a shutdown without `force` (a 409 when it objects). */
  registerShutdownGuard(guard: ShutdownGuard): void {
    this.#guards.push(guard);
  }

  /** The record of `id`; unknown id ⇒ 404. */
  get(id: string): DevboxRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new NotFoundError('devbox', id);
    return record;
  }

  /** The view of devbox `id`; unknown id ⇒ 404. */
  view(id: string): DevboxView {
    return this.viewOf(this.get(id));
  }

  /** The public view of a record, with its tunnel when the tunnels service runs. */
  viewOf(record: DevboxRecord): DevboxView {
    const view = toDevboxView(record);
    return this.ctx.registry.has('tunnels') ? { ...view, tunnel: this.ctx.services.tunnels.viewOf(record.id) } : view;
  }

  /** Where the runtime keeps this devbox's writable layer. */
  stateDir(id: string): string {
    return join(this.ctx.config.dataDir, 'devboxes', id);
  }

  /** The running devbox `id`, or a 404 / 409 that says why it cannot run commands. */
  requireRunning(id: string): LiveDevbox {
    const record = this.get(id);
    const live = this.#live.get(id);
    if (record.status !== 'running' || live === undefined) {
      throw new WrongStateError(`devbox ${id} is ${record.status}; it must be running for this operation`);
    }
    return { id, handle: live.handle, env: live.env, outputBudgetBytes: record.boot.limits.diskBytes };
  }

  /**
   * The environment every command of `id` gets: its `environment_variables`
   * plus its secrets' values as read when it last started (create or resume),
   * so a secret's update reaches a devbox at its next start. Empty when unknown.
   */
  envOf(id: string): Readonly<Record<string, string>> {
    return this.#live.get(id)?.env ?? this.records.get(id)?.boot.environment_variables ?? {};
  }

  /** The live runtime handle of `id` (running or frozen), if any. */
  handle(id: string): DevboxHandle | undefined {
    return this.#live.get(id)?.handle;
  }

  /** Records activity (exec, files): postpones `after_idle`. */
  touch(id: string): void {
    this.#timers.touch(id);
  }

  /** Adds a devbox log entry. */
  log(id: string, entry: Parameters<LogSink>[0]): void {
    this.logs.add(id, entry);
  }

  /**
   * Validates and records a new devbox (`provisioning`), then boots it in
   * the background. Bad input fails before anything is recorded.
   */
  async create(params: DevboxCreateParams): Promise<DevboxRecord> {
    const runtime = this.#runtime();
    const mounts = mountsOf(params);
    for (const mount of mounts) if (mount.type === 'object_mount') this.objects.check(mount.object_id);
    checkEnvironmentSize({ ...params.environment_variables, ...this.#secretEnv(params.secrets, 'secrets') }, 'secrets');
    const resolution = await resolveLayers(this.#resolvers, params);
    const launch: LaunchParameters = { ...(resolution?.launch_parameters ?? {}), ...(params.launch_parameters ?? {}) };
    const problems = launchParametersProblems(launch);
    if (problems.length > 0)
      throw new HttpError(400, 'invalid_request', `invalid body.launch_parameters: ${problems.join('; ')}`);
    requireNetworkPolicy(this.ctx, launch.network_policy_id, 'launch_parameters.network_policy_id');
    const now = this.ctx.now();
    const record = newDevboxRecord(newId(ID_PREFIX.devbox, now), now, params, launch, mounts, resolution);
    this.records.put(record);
    this.#changes.next(record);
    if (params.tunnel) this.#enableTunnel(record.id, params.tunnel);
    this.#track(this.#boot(runtime, record.id));
    return record;
  }

  /** Changes `name` / `metadata`: omitted = unchanged, `""` / `{}` / null clears. */
  update(id: string, params: DevboxUpdateParams): DevboxRecord {
    this.get(id);
    const next = this.records.update(id, (r) => ({
      ...r,
      name: params.name === undefined ? r.name : params.name === '' ? null : params.name,
      metadata: params.metadata === undefined ? r.metadata : (params.metadata ?? {}),
    }))!;
    this.#changes.next(next);
    return next;
  }

  /**
   * Shuts a devbox down (idempotent on a final devbox). Without `force`, a
   * registered guard may refuse with a 409.
   */
  async shutdown(id: string, reason = 'api_shutdown', force = true): Promise<DevboxRecord> {
    const record = this.get(id);
    if (isFinal(record.status)) return record;
    if (!force) {
      const objection = objectionOf(this.#guards, id);
      if (objection !== undefined)
        throw new WrongStateError(
          `devbox ${id} cannot be shut down now: ${objection}; use force=true to shut it down anyway`,
        );
    }
    const next = this.#transition(id, 'shutdown', { shutdown_reason: reason }) ?? this.get(id);
    await this.#release(id, { discard: true });
    return next;
  }

  /** Moves the keep-alive deadline forward and counts as activity. */
  keepAlive(id: string): DevboxRecord {
    const record = this.get(id);
    if (isFinal(record.status))
      throw new WrongStateError(`devbox ${id} is ${record.status}; keep_alive needs a live devbox`);
    this.#timers.touch(id);
    const next = this.records.update(id, (r) => ({
      ...r,
      deadlines: { ...r.deadlines, keep_alive_ms: this.#keepAliveDeadline(r) },
    }))!;
    if (next.status === 'running') this.#timers.arm(next);
    return next;
  }

  /** `running ⇒ suspending ⇒ suspended`: freezes every process of the devbox. */
  async suspend(id: string): Promise<DevboxRecord> {
    const record = this.get(id);
    const live = this.#live.get(id);
    if (record.status !== 'running' || live === undefined)
      throw new WrongStateError(`devbox ${id} is ${record.status}; only a running devbox can be suspended`);
    if (this.#transition(id, 'suspending') === undefined)
      throw new WrongStateError(`devbox ${id} changed state; try again`);
    this.#timers.disarm(id);
    try {
      await live.handle.freeze();
    } catch (error) {
      this.ctx.log.error('devbox freeze failed', { id, error: String(error) });
      this.#fail(id, 'execution_failed', 'suspend failed');
      await this.#release(id, { discard: false });
      return this.get(id);
    }
    return this.#transition(id, 'suspended') ?? this.get(id);
  }

  /**
   * `suspended ⇒ resuming ⇒ running`: thaws a frozen devbox, or cold-starts
   * one from its kept filesystem after a server restart. Launch commands run again.
   */
  async resume(id: string): Promise<DevboxRecord> {
    const record = this.get(id);
    if (record.status !== 'suspended')
      throw new WrongStateError(`devbox ${id} is ${record.status}; only a suspended devbox can be resumed`);
    const live = this.#live.get(id);
    // A cold start needs the runtime: check before the status moves.
    const runtime = live === undefined ? this.#runtime() : undefined;
    const resuming = this.#transition(id, 'resuming');
    if (resuming === undefined) throw new WrongStateError(`devbox ${id} changed state; try again`);
    this.#track(runtime !== undefined ? this.#boot(runtime, id) : this.#thaw(id, live!));
    return resuming;
  }

  /** Marks devboxes whose processes died with the previous server as failed; suspended ones stay. */
  reconcile(): void {
    for (const record of this.records.all({ status: { in: [...BOOTING] } })) {
      if (this.#live.has(record.id)) continue;
      this.#transition(record.id, 'failure', {
        failure_reason: 'health_check_failed',
        transition_reason: 'server_restarted',
      });
      this.logs.add(record.id, {
        level: 'error',
        source: 'kmsg',
        message: 'the server restarted and the devbox processes were lost',
      });
    }
    // A failed or shut-down devbox never runs again: reclaim disks an earlier run left (crash, older version).
    for (const record of this.records.all({ status: { in: ['failure', 'shutdown'] } })) {
      const dir = this.stateDir(record.id);
      if (existsSync(dir)) this.#track(rm(dir, { recursive: true, force: true }).catch(() => undefined));
    }
  }

  /** Server stop: shuts down running devboxes, stops frozen ones keeping their disk (they stay suspended). */
  async close(): Promise<void> {
    this.#closing = true;
    this.#timers.close();
    const pass = () =>
      Promise.allSettled(
        [...this.#live.keys()].map(async (id) => {
          const record = this.records.get(id);
          if (record?.status === 'suspended') await this.#release(id, { discard: false });
          else await this.shutdown(id, 'api_shutdown');
        }),
      );
    // Stopping live devboxes first also ends boots stuck in a launch command;
    // the second pass catches devboxes whose start finished meanwhile.
    await pass();
    await Promise.allSettled([...this.#tasks]);
    await pass();
  }

  /** `tunnel` at create: provisioned by the tunnels service when it runs. */
  #enableTunnel(id: string, params: NonNullable<DevboxCreateParams['tunnel']>): void {
    if (this.ctx.registry.has('tunnels')) this.ctx.services.tunnels.enable(id, params);
    else
      this.logs.add(id, {
        level: 'warn',
        source: 'setup_commands',
        message: 'tunnel requested but this server runs no tunnels service',
      });
  }

  /** The values of a `secrets` map (404 / 400 naming `field.KEY`); none without a secrets service. */
  #secretEnv(secrets: Readonly<Record<string, string>> | null | undefined, field: string): Record<string, string> {
    if (secrets === null || secrets === undefined || Object.keys(secrets).length === 0) return {};
    if (!this.ctx.registry.has('secrets'))
      throw new InvalidInputError(field, `${field}: this server runs no secrets service`);
    return this.ctx.services.secrets.resolve(secrets, field);
  }

  /** A start's environment: secrets (read now) over `environment_variables`. A deleted secret fails the start, naming it. */
  #envFor(record: DevboxRecord): Readonly<Record<string, string>> {
    return { ...record.boot.environment_variables, ...this.#secretEnv(record.boot.secrets, 'secrets') };
  }

  #runtime(): DevboxRuntime {
    if (this.ctx.runtime === undefined || this.#closing) {
      throw new UnavailableError('runtime_unavailable', 'the devbox runtime is not available');
    }
    return this.ctx.runtime;
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  #transition(id: string, to: DevboxStatusStrict, extras: TransitionExtras = {}): DevboxRecord | undefined {
    let moved = false;
    const next = this.records.update(id, (r) => {
      if (!canTransition(r.status, to)) return r;
      moved = true;
      // A devbox that ended never clones again: a code mount token it still holds (ended before or during its clone) goes.
      const kept = isFinal(to) ? { ...r, boot: { ...r.boot, mounts: withoutTokens(r.boot.mounts) } } : r;
      return withStatus(kept, to, this.ctx.now(), extras);
    });
    if (!moved || next === undefined) return undefined;
    this.#changes.next(next);
    if (isFinal(to)) this.#timers.disarm(id);
    return next;
  }

  #fail(id: string, reason: string, detail: string): void {
    this.#transition(id, 'failure', { failure_reason: reason, transition_reason: detail });
  }

  /** Starts (or cold-restarts) the devbox and takes it to `running`. */
  async #boot(runtime: DevboxRuntime, id: string): Promise<void> {
    let live: Live | undefined;
    try {
      const initial = this.get(id);
      const env = this.#envFor(initial);
      const handle = await runtime.start({
        id,
        stateDir: this.stateDir(id),
        layers: initial.boot.layers,
        limits: initial.boot.limits,
        network: 'isolated',
        ...egressPolicyOf(this.ctx, initial.launch_parameters.network_policy_id),
      });
      live = { handle, env, stopping: false };
      this.#live.set(id, live);
      const current = live;
      void handle.exited.then(({ reason }) => this.#onExited(id, current, reason));
      if (this.get(id).status === 'provisioning' && this.#transition(id, 'initializing') === undefined)
        return await this.#release(id, { discard: true });
      const record = this.get(id);
      if (isFinal(record.status)) return await this.#release(id, { discard: true });
      const log: LogSink = (entry) => this.logs.add(id, entry);
      if (!record.mounted) {
        const cloneCode: CodeMountCloner = (h, mount) =>
          applyCodeMount(h, mount, this.ctx.config.codeMounts, env, log, this.ctx.stopping);
        await applyMounts(handle, record.boot.mounts, this.objects, cloneCode, (message) =>
          log({ level: 'info', source: 'setup_commands', message }),
        );
        this.records.update(id, (r) => ({
          ...r,
          mounted: true,
          boot: { ...r.boot, mounts: withoutTokens(r.boot.mounts) },
        }));
      }
      await runLaunchCommands(handle, env, record.boot.launch_commands, log);
      // Running and its keep-alive deadline in one commit (each commit is an fsync on the main thread).
      const running = this.ctx.store.transaction(() => {
        const moved = this.#transition(id, 'running');
        if (moved !== undefined) this.#armFresh(id);
        return moved;
      });
      if (running === undefined) return await this.#release(id, { discard: isFinal(this.get(id).status) });
      if (running.boot.entrypoint !== null) {
        startEntrypoint(handle, env, running.boot.entrypoint, log, () => {
          if (this.#live.get(id) === current && !current.stopping) void this.shutdown(id, 'entrypoint_exit');
        });
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Shut down (or failed) while starting: the start broke because its
      // disk was taken away on purpose, which is no failure to report.
      if (this.#endedMeanwhile(id)) {
        this.ctx.log.debug('devbox start cancelled', { id, error: message });
        await this.#release(id, { discard: true });
        return;
      }
      this.ctx.log.warn('devbox failed to start', { id, error: message });
      this.logs.add(id, { level: 'error', source: 'setup_commands', message });
      this.#fail(id, 'execution_failed', message);
      // A failed devbox never runs again: its disk goes now, not at some later clean-up.
      await this.#release(id, { discard: true });
    }
  }

  #endedMeanwhile(id: string): boolean {
    try {
      return isFinal(this.get(id).status);
    } catch {
      return true; // deleted under us
    }
  }

  async #thaw(id: string, live: Live): Promise<void> {
    try {
      await live.handle.thaw();
      const record = this.get(id);
      live.env = this.#envFor(record);
      await runLaunchCommands(live.handle, live.env, record.boot.launch_commands, (e) => this.logs.add(id, e));
      if (this.#transition(id, 'running') !== undefined) this.#armFresh(id);
    } catch (error) {
      this.#fail(id, 'execution_failed', error instanceof Error ? error.message : String(error));
      await this.#release(id, { discard: true });
    }
  }

  /** Stops the live handle of `id`, if any, on purpose. */
  async #release(id: string, options: { readonly discard: boolean }): Promise<void> {
    this.#timers.disarm(id);
    const live = this.#live.get(id);
    if (live === undefined) {
      if (options.discard) await rm(this.stateDir(id), { recursive: true, force: true }).catch(() => undefined);
      return;
    }
    live.stopping = true;
    this.#live.delete(id);
    await live.handle.thaw().catch(() => undefined);
    await live.handle
      .stop(options)
      .catch((error: unknown) => this.ctx.log.error('devbox stop failed', { id, error: String(error) }));
  }

  #onExited(id: string, live: Live, reason: 'stopped' | 'died' | 'oom'): void {
    if (live.stopping || this.#live.get(id) !== live) return;
    this.#live.delete(id);
    this.#fail(id, reason === 'oom' ? 'out_of_memory' : 'execution_failed', `devbox init process ${reason}`);
    // Tracked: a server stop waits for this clean-up (unmount, disk removal) before it ends.
    this.#track(live.handle.stop({ discard: true }).catch(() => undefined));
  }

  #keepAliveDeadline(record: DevboxRecord): number | null {
    if (DevboxTimers.afterIdleOf(record) !== null) return null;
    const seconds = record.launch_parameters.keep_alive_time_seconds ?? 3600;
    return this.ctx.now() + seconds * 1000;
  }

  /** (Re)starts the timers of a devbox that just became running. */
  #armFresh(id: string): void {
    this.#timers.touch(id);
    const record = this.records.update(id, (r) => ({
      ...r,
      deadlines: { ...r.deadlines, keep_alive_ms: this.#keepAliveDeadline(r) },
    }));
    if (record !== undefined) this.#timers.arm(record);
  }

  #onDeadline(id: string): void {
    const record = this.records.get(id);
    if (record === undefined || record.status !== 'running') return;
    const due = this.#timers.due(record);
    // A deadline never cuts a guarded operation (a snapshot) short: look again shortly.
    if (due !== undefined && objectionOf(this.#guards, id) !== undefined) return this.#timers.retry(id);
    if (due === 'keep_alive') void this.shutdown(id, 'keep_alive_timeout');
    else if (due === 'idle_shutdown') void this.shutdown(id, 'idle');
    else if (due === 'idle_suspend') void this.suspend(id).catch(() => undefined);
    else {
      const idle = this.#timers.idleDeadline(record);
      const next =
        idle === record.deadlines.idle_ms
          ? record
          : this.records.update(id, (r) => ({ ...r, deadlines: { ...r.deadlines, idle_ms: idle } }))!;
      this.#timers.arm(next);
    }
  }
}
