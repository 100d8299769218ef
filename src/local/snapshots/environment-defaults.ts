/**
 * Environment defaults for devboxes made from a blueprint or snapshot (the
 * Dockerfile's ENV). The devbox service's layer-resolution contract has no
 * environment field yet, so this applies them right after the create is
 * recorded, before the devbox boots: the request's own variables win.
 * Merging is idempotent, so it stays correct once the devbox service merges
 * `LayerResolutionWithEnv.environment_variables` itself.
 */
import type { DevboxRecord } from '../devboxes/record.js';
import type { Collection } from '../store/collection.js';

/**
 * Merges `defaults(record)` under the environment of a devbox that was just created.
 *
 * @example
 * devboxes.changes$.subscribe((r) => applyEnvironmentDefaults(devboxes.records, r, defaultsOf));
 */
export function applyEnvironmentDefaults(
  records: Collection<DevboxRecord>,
  record: DevboxRecord,
  defaults: (record: DevboxRecord) => Readonly<Record<string, string>>,
): void {
  const justCreated = record.status === 'provisioning' && record.state_transitions.length === 1;
  if (!justCreated || (record.blueprint_id === null && record.snapshot_id === null)) return;
  const inherited = defaults(record);
  if (Object.keys(inherited).length === 0) return;
  records.update(record.id, (r) => ({
    ...r,
    boot: { ...r.boot, environment_variables: { ...inherited, ...r.boot.environment_variables } },
  }));
}
