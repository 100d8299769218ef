/**
 * What other areas plug into the devbox service: layer resolvers (blueprints,
 * snapshots), shutdown guards (snapshots in progress), and the live devbox
 * they get back to work with.
 */
import type { DevboxCreateParams } from '../../api/views/devbox.js';
import type { LaunchParameters } from '../../api/views/launch.js';
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
 * HttpError (404, 422…) when it is but cannot be used.
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
}
