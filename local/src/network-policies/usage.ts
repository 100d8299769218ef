/**
 * Who uses a network policy: what a delete must not pull the rug from under.
 */
import { BLUEPRINT_IN_PROGRESS_STATUSES } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';

const DONE_DEVBOX = new Set(['shutdown', 'failure']);

/**
 * Ids of the resources that still need policy `id`: devboxes that are not
 * shut down or failed (a suspended one resumes under it), blueprints whose
 * devboxes inherit it (`launch_parameters`), builds that have not finished.
 *
 * @example
 * policyUsers(ctx, 'npo_…'); // ['dbx_…']
 */
export function policyUsers(ctx: ServerContext, id: string): string[] {
  const users: string[] = [];
  if (ctx.registry.has('devboxes')) {
    for (const devbox of ctx.services.devboxes.records.all()) {
      if (devbox.launch_parameters.network_policy_id === id && !DONE_DEVBOX.has(devbox.status)) users.push(devbox.id);
    }
  }
  if (ctx.registry.has('blueprints')) {
    for (const blueprint of ctx.services.blueprints.records.all()) {
      if (blueprint.state === 'deleted') continue;
      const inherited = blueprint.parameters.launch_parameters?.network_policy_id === id;
      const building =
        blueprint.parameters.network_policy_id === id && BLUEPRINT_IN_PROGRESS_STATUSES.includes(blueprint.status);
      if (inherited || building) users.push(blueprint.id);
    }
  }
  return users;
}
