/**
 * What other areas plug into the devbox service: layer resolvers (blueprints,
 * snapshots), shutdown guards (snapshots in progress), and the live devbox
 * they get back to work with.
 */
import type { DevboxCreateParams } from 'runloop-rx/views';
import type { LaunchParameters } from 'runloop-rx/views';
import { NotFoundError, UnprocessableError } from '../errors.js';
import type { DevboxHandle } from '../runtime/types.js';

/**
 * Extra layers and facts a blueprint or snapshot contributes to a new devbox.
 *
 * @example
 * const resolution: LayerResolution = { layers: ['/data/snapshots/snp_1/layer'], snapshot_id: 'snp_1' };
 */
export interface LayerResolution {
  /** Read-only layers, topmost first. */
  readonly layers: readonly string[];
  readonly blueprint_id?: string | null;
  readonly snapshot_id?: string | null;
  /** Defaults inherited from the blueprint; the request's own fields win. */
  readonly launch_parameters?: LaunchParameters | null;
  /** Environment defaults (a Dockerfile's ENV); the request's own variables win. */
  readonly environment_variables?: Readonly<Record<string, string>> | null;
}

/**
 * Says why devbox `id` must not be shut down right now (e.g. a snapshot is
 * being captured), or undefined when it may. Ignored with `force=true`.
 *
 * @example
 * devboxes.registerShutdownGuard((id) => (snapshots.isCapturing(id) ? 'a snapshot is in progress' : undefined));
 */
export type ShutdownGuard = (id: string) => string | undefined;

/**
 * Resolves `blueprint_id` / `blueprint_name` / `snapshot_id` of a create
 * request. Returns undefined when the request is not its kind; throws an
 * domain error (NotFoundError, UnprocessableError…) when it is but cannot be used.
 *
 * @example
 * devboxes.registerLayerResolver(async (p) => (p.snapshot_id ? snapshots.resolve(p.snapshot_id) : undefined));
 */
export type LayerResolver = (params: DevboxCreateParams) => Promise<LayerResolution | undefined>;

/**
 * A devbox that can run commands now.
 *
 * @example
 * const { handle, env } = devboxes.requireRunning(id);
 * handle.spawn({ command: 'ls', env });
 */
export interface LiveDevbox {
  readonly id: string;
  readonly handle: DevboxHandle;
  /** The devbox's `environment_variables`, to pass to every command. */
  readonly env: Readonly<Record<string, string>>;
  /** How many bytes of command output the server keeps for it in all: its disk size. */
  readonly outputBudgetBytes: number;
}

/**
 * Asks each resolver in turn; the first that recognises the request wins.
 * A blueprint or snapshot reference nobody resolves is a 404 (or a 422
 * when no resolver is registered at all: the server cannot do it).
 *
 * @example
 * const resolution = await resolveLayers(resolvers, { snapshot_id: 'snp_1' });
 */
export async function resolveLayers(
  resolvers: readonly LayerResolver[],
  params: DevboxCreateParams,
): Promise<LayerResolution | undefined> {
  for (const resolver of resolvers) {
    const resolution = await resolver(params);
    if (resolution !== undefined) return resolution;
  }
  const wanted = params.blueprint_id ?? params.blueprint_name ?? params.snapshot_id;
  if (wanted === undefined || wanted === null) return undefined;
  const kind = params.snapshot_id ? 'snapshot' : 'blueprint';
  if (resolvers.length === 0)
    throw new UnprocessableError('unsupported', `devboxes from a ${kind} are not available on this server`);
  throw new NotFoundError(kind, wanted);
}

/**
 * The first objection of `guards` to shutting down `id`, or undefined.
 *
 * @example
 * const why = objectionOf(guards, 'dbx_1'); // 'a disk snapshot is being captured'
 */
export function objectionOf(guards: readonly ShutdownGuard[], id: string): string | undefined {
  for (const guard of guards) {
    const why = guard(id);
    if (why !== undefined) return why;
  }
  return undefined;
}
