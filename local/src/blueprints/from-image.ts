/**
 * What a build's FROM stands on, decided before the build devbox starts:
 * the base blueprint's layers when there is one; the local Debian base for
 * Runloop's own default images (`runloop:…`), said so in the log; otherwise
 * the image pulled from its registry, whose config seeds the Dockerfile's
 * ENV, WORKDIR, USER, CMD and ENTRYPOINT.
 */
import type { ImageConfig, PulledImage, PullLog } from '../images/image-store.js';
import { ImageReferenceError, isRunloopDefaultImage } from '../images/reference.js';
import { ImagePullError } from '../images/registry-client.js';
import type { BuildLog } from './build-log.js';
import { BuildStepError } from './build-steps.js';
import type { ImageDefaults } from './dockerfile/plan.js';

/**
 * Pulls images by name (the server's `ImageStore`).
 *
 * @example
 * const images: ImageSource = new ImageStore({ dir, ids });
 */
export interface ImageSource {
  pull(name: string, how: { readonly log: PullLog; readonly signal?: AbortSignal }): Promise<PulledImage>;
}

/**
 * The layers a build starts on and, for a pulled image, its config.
 *
 * @example
 * const { layers, defaults } = await resolveFrom(job, 'python:3.12-slim');
 */
export interface ResolvedFrom {
  /** Topmost first; empty: the bare local base. */
  readonly layers: readonly string[];
  /** Set only for a pulled image. */
  readonly defaults?: ImageDefaults;
}

/**
 * Resolves a build's FROM. A pull that fails is a {@link BuildStepError} naming the image.
 *
 * @example
 * const from = await resolveFrom({ baseLayers: [], log, images, signal }, '127.0.0.1:5000/test/image:1');
 */
export async function resolveFrom(
  job: {
    readonly baseLayers: readonly string[];
    readonly log: BuildLog;
    readonly images?: ImageSource;
    readonly signal?: AbortSignal;
  },
  image: string,
): Promise<ResolvedFrom> {
  if (image === '') return { layers: job.baseLayers };
  if (job.baseLayers.length > 0) {
    job.log.append('info', `FROM ${image}: building on the base blueprint's layers`);
    return { layers: job.baseLayers };
  }
  if (isRunloopDefaultImage(image)) {
    job.log.append(
      'info',
      `FROM ${image}: a Runloop default image; using the local Debian bookworm base root filesystem`,
    );
    return { layers: [] };
  }
  if (image === 'scratch') throw new BuildStepError('FROM scratch: an empty image has no shell to run the build in');
  if (job.images === undefined) throw new BuildStepError(`FROM ${image}: this server cannot pull images`);
  try {
    const log: PullLog = (level, line) => job.log.append(level, line);
    const pulled = await job.images.pull(image, { log, ...(job.signal ? { signal: job.signal } : {}) });
    return { layers: pulled.layers, defaults: defaultsOf(pulled.config) };
  } catch (error) {
    if (error instanceof ImagePullError || error instanceof ImageReferenceError)
      throw new BuildStepError(`FROM ${image}: cannot pull the image: ${error.message}`);
    throw error;
  }
}

function defaultsOf(config: ImageConfig): ImageDefaults {
  return {
    env: config.env,
    ...(config.workdir !== undefined ? { workdir: config.workdir } : {}),
    ...(config.user !== undefined ? { user: config.user } : {}),
    ...(config.cmd !== undefined ? { cmd: config.cmd } : {}),
    ...(config.entrypoint !== undefined ? { entrypoint: config.entrypoint } : {}),
  };
}
