/**
 * Whether a layer directory is still needed: by a devbox that is not
 * finished (suspended ones included: they restart from their layers), by a
 * live snapshot (stacked snapshots need their parents' layers), or by a
 * live blueprint. A deleted snapshot or blueprint keeps its files until
 * nothing needs them; {@link LayerUsage.inUse} is the one place that decides.
 */
import type { DevboxRecord } from '../devboxes/record.js';
import type { Collection } from '../store/collection.js';

/**
 * Something that holds layers: each call lists the layer chains in use now.
 *
 * @example
 * const liveBlueprints: LayerHolder = () => blueprints.records.all({ state: 'created' }).map(blueprintChain);
 */
export type LayerHolder = () => Iterable<readonly string[]>;

/**
 * A registry of layer holders.
 *
 * @example
 * const usage = new LayerUsage();
 * usage.addHolder(() => liveSnapshots.map(layerChain));
 * if (!usage.inUse(dir)) await rm(dir, { recursive: true });
 */
export class LayerUsage {
  private readonly holders: LayerHolder[] = [];

  /** Adds a source of layer chains in use. */
  addHolder(holder: LayerHolder): void {
    this.holders.push(holder);
  }

  /** True when any holder's chain contains `layerDir`. */
  inUse(layerDir: string): boolean {
    for (const holder of this.holders) {
      for (const chain of holder()) if (chain.includes(layerDir)) return true;
    }
    return false;
  }
}

/**
 * The holder for devboxes: every devbox not yet shut down or failed.
 *
 * @example
 * usage.addHolder(devboxLayerHolder(ctx.services.devboxes.records));
 */
export function devboxLayerHolder(records: () => Collection<DevboxRecord>): LayerHolder {
  return function* () {
    for (const record of records().all({
      status: {
        in: ['queued', 'scheduled', 'provisioning', 'initializing', 'running', 'suspending', 'suspended', 'resuming'],
      },
    })) {
      yield record.boot.layers;
    }
  };
}
