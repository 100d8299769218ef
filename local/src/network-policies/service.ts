/**
 * Network policies: stored in the store's `network_policies` collection,
 * looked up by the devboxes and blueprints services when a request names
 * one, and pushed live to the running devboxes that use one when it changes.
 */
import type { ServerContext } from '../context.js';
import { NotFoundError, WrongStateError } from '../errors.js';
import { clip } from '../http/clip.js';
import type { Collection, Page } from '../store/collection.js';
import { newId } from '../store/ids.js';
import type { NetworkPolicyCreateParams, NetworkPolicyListQuery, NetworkPolicyUpdateParams } from './params.js';
import {
  NETWORK_POLICIES_COLLECTION,
  NETWORK_POLICY_ID_PREFIX,
  toEgressPolicy,
  type NetworkPolicyRecord,
} from './record.js';
import { DENY_ALL, egressFrom } from './rules.js';
import { policyUsers } from './usage.js';

/**
 * The policies of one server.
 *
 * @example
 * const policy = ctx.services.networkPolicies.require(id, 'launch_parameters.network_policy_id');
 */
export class NetworkPolicies {
  readonly records: Collection<NetworkPolicyRecord>;

  constructor(private readonly ctx: ServerContext) {
    this.records = ctx.store.collection<NetworkPolicyRecord>('network_policies', NETWORK_POLICIES_COLLECTION);
  }

  /** The policy `id`; unknown ⇒ 404. */
  get(id: string): NetworkPolicyRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new NotFoundError('network policy', id);
    return record;
  }

  /**
   * The policy a request names in `field`, or undefined when it names none;
   * an unknown id is refused (404 naming the field), never dropped.
   */
  require(id: string | null | undefined, field: string): NetworkPolicyRecord | undefined {
    if (id === null || id === undefined) return undefined;
    const record = this.records.get(id);
    if (record === undefined) {
      throw new NotFoundError('network policy', id, {
        message: `${field}: network policy ${JSON.stringify(clip(id))} does not exist`,
      });
    }
    return record;
  }

  /** What the runtime enforces for a devbox under policy `id` (the server's listener is the devbox-to-devbox gateway). */
  egressPolicyOf(id: string): ReturnType<typeof toEgressPolicy> {
    const host =
      this.ctx.config.host === '0.0.0.0' || this.ctx.config.host === '::' ? '127.0.0.1' : this.ctx.config.host;
    return toEgressPolicy(this.get(id), { host, port: this.ctx.config.port });
  }

  create(params: NetworkPolicyCreateParams): NetworkPolicyRecord {
    const egress = egressFrom(params, DENY_ALL);
    const now = this.ctx.now();
    const record: NetworkPolicyRecord = {
      id: newId(NETWORK_POLICY_ID_PREFIX, now),
      name: params.name,
      description: params.description ?? null,
      create_time_ms: now,
      update_time_ms: now,
      egress,
    };
    return this.ctx.store.transaction(() => {
      this.refuseTakenName(record.name, record.id);
      return this.records.put(record);
    });
  }

  list(query: NetworkPolicyListQuery): Page<NetworkPolicyRecord> {
    return this.records.list({
      where: { id: query.id, name: query.name === undefined ? undefined : { contains: query.name } },
      anyOf: query.search === undefined ? undefined : { id: query.search, name: { contains: query.search } },
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
      ...(query.include_total_count !== undefined ? { includeTotalCount: query.include_total_count } : {}),
    });
  }

  /** Changes a policy; running devboxes under it follow at once (see the README). */
  async update(id: string, params: NetworkPolicyUpdateParams): Promise<NetworkPolicyRecord> {
    const current = this.get(id);
    const egress = egressFrom(params, current.egress);
    const next = this.ctx.store.transaction(() => {
      if (params.name !== undefined && params.name !== null) this.refuseTakenName(params.name, id);
      return this.records.update(id, (record) => ({
        ...record,
        name: params.name ?? record.name,
        description:
          params.description === undefined || params.description === null ? record.description : params.description,
        egress,
        update_time_ms: Math.max(this.ctx.now(), record.update_time_ms),
      }))!;
    });
    await this.applyToRunning(id);
    return next;
  }

  /** Deletes a policy that nothing uses; in use ⇒ 409 naming a user. */
  delete(id: string): NetworkPolicyRecord {
    const record = this.get(id);
    const users = policyUsers(this.ctx, id);
    if (users.length > 0) {
      throw new WrongStateError(
        `network policy ${id} is used by ${users.length} resource(s) (e.g. ${users[0]}); shut them down or delete them first`,
        'network_policy_in_use',
      );
    }
    this.records.delete(id);
    return record;
  }

  /** Pushes the policy's current rules to every running devbox started under it. */
  private async applyToRunning(id: string): Promise<void> {
    const runtime = this.ctx.runtime;
    if (runtime?.setEgressPolicy === undefined || !this.ctx.registry.has('devboxes')) return;
    const policy = this.egressPolicyOf(id);
    const devboxes = this.ctx.services.devboxes;
    const live = devboxes.records
      .all()
      .filter(
        (devbox) => devbox.launch_parameters.network_policy_id === id && devboxes.handle(devbox.id) !== undefined,
      );
    await Promise.all(
      live.map((devbox) =>
        runtime.setEgressPolicy!(devbox.id, policy).catch((error: unknown) =>
          this.ctx.log.error('network policy update failed for a devbox', {
            id: devbox.id,
            policy: id,
            error: String(error),
          }),
        ),
      ),
    );
  }

  private refuseTakenName(name: string, except: string): void {
    const taken = this.records.all({ name }).find((record) => record.id !== except);
    if (taken !== undefined)
      throw new WrongStateError(
        `body.name: a network policy named ${JSON.stringify(clip(name))} already exists (${taken.id})`,
        'name_taken',
      );
  }
}
