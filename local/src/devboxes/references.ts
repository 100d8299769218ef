/**
 * Checks of ids that a request names but does not own: an unknown one is
 * refused at the door (404), never accepted and dropped.
 */
import { clip } from '../http/clip.js';
import { HttpError } from '../http/route.js';

/**
 * Refuses a `network_policy_id`: this server keeps no network policies yet,
 * so every id names a policy that does not exist. (Devbox networking with
 * policies is planned; until then an id must not be silently ignored.)
 *
 * @example
 * refuseUnknownNetworkPolicy(params.launch_parameters?.network_policy_id, 'launch_parameters.network_policy_id');
 */
export function refuseUnknownNetworkPolicy(id: string | null | undefined, field: string): void {
  if (id === null || id === undefined) return;
  throw new HttpError(404, 'not_found', `${field}: network policy ${JSON.stringify(clip(id))} does not exist`, { 'x-should-retry': 'false' });
}
