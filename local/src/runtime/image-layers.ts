/**
 * How the runtime tells a pulled image's layers from the other layers of a
 * devbox spec. Image layers live in a cache directory of their own
 * (`<store>/sha256-<hex>/fs`) with a mark file beside the layer, never inside
 * it, so the devbox does not see it. A spec whose layers include one is a
 * complete root: the image's bottom layer is its base, not the local Debian.
 * The mark lives on disk, so every stack that inherits the layers (blueprint
 * chains, snapshots, resumes) keeps the rule with no extra field to carry.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Name of the mark file beside an image layer's directory.
 *
 * @example
 * await writeFile(join(dirname(layerDir), IMAGE_LAYER_MARK), digest);
 */
export const IMAGE_LAYER_MARK = 'image-layer';

/**
 * Whether `layer` is a layer of a pulled image.
 *
 * @example
 * isImageLayer('/data/images/layers/sha256-ab…/fs'); // true once the pull finished
 */
export function isImageLayer(layer: string): boolean {
  return existsSync(join(dirname(layer), IMAGE_LAYER_MARK));
}

/**
 * Whether a layer stack carries its own root (a pulled image) and so needs no local base.
 *
 * @example
 * const lower = hasImageLayers(spec.layers) ? spec.layers : [...spec.layers, baseRootfs];
 */
export function hasImageLayers(layers: readonly string[]): boolean {
  return layers.some(isImageLayer);
}
