/**
 * Pulled images, cached by content under `<dataDir>/images` (0700 with the
 * data dir): each layer unpacked once into `layers/sha256-<hex>/fs`, shared by
 * every image that has it; configs in `configs/<hex>.json`. A pull always
 * asks the registry for the manifest (tags move) and downloads only the
 * layers it does not have. Downloads are verified against their digests and
 * sizes while they stream; a failed or interrupted layer leaves nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { COMPLETE_MARKER, ensureCachedBuild } from '../runtime/rootfs.js';
import { IMAGE_LAYER_MARK } from '../runtime/image-layers.js';
import type { RegistryCredentials } from './credentials.js';
import { unpackLayer, UnsafeLayerError } from './layer-unpack.js';
import {
  hostArchitecture,
  isIndex,
  layerCompression,
  pickPlatform,
  type Descriptor,
  type ImageConfigDocument,
  type ManifestDocument,
} from './manifest.js';
import { formatBytes, LayerProgress, shortDigest } from './pull-progress.js';
import { DOCKER_HUB, parseImageReference, type ImageReference } from './reference.js';
import { ImagePullError, RegistryClient, type RegistryEndpoint } from './registry-client.js';

/** Docker Hub's registry API host (the `docker.io` in references is not it). */
const DOCKER_HUB_API = 'https://registry-1.docker.io';
const DIGEST = /^sha256:([a-f0-9]{64})$/;

/**
 * How the store reaches registries and how much a layer may hold.
 *
 * @example
 * const store = new ImageStore({ dir: join(dataDir, 'images'), ids: { hostStart: 100_000, size: 65_536 }, dockerHubMirror: 'http://127.0.0.1:5000' });
 */
export interface ImageStoreOptions {
  /** `<dataDir>/images`. */
  readonly dir: string;
  /** The devboxes' host id range; owners are moved into it. Absent: owners kept (process mode). */
  readonly ids: { readonly hostStart: number; readonly size: number } | undefined;
  /** Base URL that serves Docker Hub's images instead of registry-1.docker.io (a mirror, or a local registry offline). */
  readonly dockerHubMirror?: string;
  /** Credentials by registry host (`127.0.0.1:5000`, `ghcr.io`, `docker.io`). */
  readonly credentials?: RegistryCredentials;
  /** Declared bytes one layer may unpack to (default 16 GiB). */
  readonly maxLayerBytes?: number;
  /** Entries one layer may hold (default 2 000 000). */
  readonly maxLayerEntries?: number;
}

/**
 * The config of a pulled image that applies to devboxes made from it.
 *
 * @example
 * const config: ImageConfig = { env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, workdir: '/app', user: 'root', cmd: ['python3'] };
 */
export interface ImageConfig {
  readonly env: Readonly<Record<string, string>>;
  readonly workdir?: string;
  readonly user?: string;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
}

/**
 * A pulled image, ready to stack.
 *
 * @example
 * const image: PulledImage = await store.pull('python:3.12-slim', { log });
 * await runtime.start({ …, layers: image.layers });
 */
export interface PulledImage {
  readonly reference: ImageReference;
  /** Digest of the platform manifest that was pulled. */
  readonly digest: string;
  /** Layer directories, topmost first. */
  readonly layers: readonly string[];
  readonly config: ImageConfig;
  /** Bytes downloaded by this pull (0 when every layer was cached). */
  readonly downloadedBytes: number;
}

/**
 * Where pull lines go (the build log).
 *
 * @example
 * const log: PullLog = (level, line) => buildLog.append(level, line);
 */
export type PullLog = (level: 'info' | 'warn', line: string) => void;

/**
 * The image cache of one server.
 *
 * @example
 * const image = await new ImageStore(options).pull('127.0.0.1:5000/test/image:1', { log, signal });
 */
export class ImageStore {
  constructor(private readonly options: ImageStoreOptions) {}

  /** Pulls `name` (as written after FROM) for this host's platform; layers already cached are not downloaded. */
  async pull(name: string, how: { readonly log: PullLog; readonly signal?: AbortSignal }): Promise<PulledImage> {
    const reference = parseImageReference(name);
    const label = reference.canonical;
    const endpoint = this.#endpoint(reference);
    const client = new RegistryClient(endpoint, reference.repository, how.signal, label);
    how.log('info', `Pulling ${label} from ${endpoint.baseUrl}`);

    let { body, mediaType } = await client.manifest(reference.digest ?? reference.tag!);
    if (reference.digest !== undefined) checkDigest(body, reference.digest, label);
    let manifest = parseJson<ManifestDocument>(body, `${label}: the manifest`);
    if (isIndex(manifest, mediaType)) {
      const chosen = pickPlatform(manifest, hostArchitecture(), label);
      ({ body, mediaType } = await client.manifest(chosen.digest));
      checkDigest(body, chosen.digest, label);
      manifest = parseJson<ManifestDocument>(body, `${label}: the manifest`);
    }
    if (manifest.schemaVersion !== 2 || manifest.config === undefined || manifest.layers === undefined) {
      throw new ImagePullError(
        `${label}: unsupported manifest (${manifest.mediaType ?? mediaType}); only OCI and Docker v2 schema 2 images can be pulled`,
      );
    }
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const configDoc = await this.#config(client, manifest.config, label);
    const arch = hostArchitecture();
    if (configDoc.architecture !== undefined && configDoc.architecture !== arch) {
      throw new ImagePullError(
        `${label}: the image is for ${configDoc.os ?? 'linux'}/${configDoc.architecture}; this host runs linux/${arch}`,
      );
    }

    const layers: string[] = [];
    let downloadedBytes = 0;
    for (const layer of manifest.layers) {
      const { dir, downloaded } = await this.#layer(client, layer, label, how);
      layers.unshift(dir);
      downloadedBytes += downloaded;
    }
    how.log(
      'info',
      `Pulled ${label} (${digest}): ${manifest.layers.length} layers, ${formatBytes(downloadedBytes)} downloaded`,
    );
    return { reference, digest, layers, config: imageConfig(configDoc), downloadedBytes };
  }

  #endpoint(reference: ImageReference): RegistryEndpoint {
    const credentials = this.options.credentials ?? {};
    if (reference.registry === DOCKER_HUB) {
      const mirror = this.options.dockerHubMirror?.replace(/\/+$/, '');
      const credential =
        (mirror !== undefined ? credentials[new URL(mirror).host] : undefined) ?? credentials[DOCKER_HUB];
      return { baseUrl: mirror ?? DOCKER_HUB_API, credential };
    }
    // Plain HTTP only to this machine's loopback (as Docker does); everything else over TLS.
    const host = reference.registry.replace(/:\d+$/, '');
    const loopback = host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
    return {
      baseUrl: `${loopback ? 'http' : 'https'}://${reference.registry}`,
      credential: credentials[reference.registry],
    };
  }

  async #config(client: RegistryClient, descriptor: Descriptor, label: string): Promise<ImageConfigDocument> {
    const hex = DIGEST.exec(descriptor.digest)?.[1];
    if (hex === undefined) throw new ImagePullError(`${label}: the manifest names a config with a bad digest`);
    const cached = join(this.options.dir, 'configs', `${hex}.json`);
    if (existsSync(cached))
      return parseJson<ImageConfigDocument>(await readFile(cached), `${label}: the cached config`);
    const response = await client.blob(descriptor.digest);
    const body = Buffer.from(await response.arrayBuffer());
    checkDigest(body, descriptor.digest, label);
    const parsed = parseJson<ImageConfigDocument>(body, `${label}: the image config`);
    await mkdir(join(this.options.dir, 'configs'), { recursive: true, mode: 0o700 });
    await writeFile(`${cached}.tmp-${process.pid}`, body);
    await rename(`${cached}.tmp-${process.pid}`, cached);
    return parsed;
  }

  /** The layer's directory, downloading and unpacking it unless cached. */
  async #layer(
    client: RegistryClient,
    layer: Descriptor,
    label: string,
    how: { readonly log: PullLog; readonly signal?: AbortSignal },
  ): Promise<{ dir: string; downloaded: number }> {
    const hex = DIGEST.exec(layer.digest)?.[1];
    if (hex === undefined) throw new ImagePullError(`${label}: the manifest names a layer with a bad digest`);
    const compression = layerCompression(layer, label);
    const cacheDir = join(this.options.dir, 'layers');
    const tag = `sha256-${hex}`;
    if (existsSync(join(cacheDir, tag, COMPLETE_MARKER))) {
      how.log('info', `Layer ${shortDigest(layer.digest)} is cached`);
      return { dir: join(cacheDir, tag, 'fs'), downloaded: 0 };
    }
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    let downloaded = 0;
    await ensureCachedBuild({
      cacheDir,
      tag,
      build: async (temp) => {
        const fs = join(temp, 'fs');
        await mkdir(fs);
        downloaded = await this.#download(client, layer, compression, fs, label, how);
        await writeFile(join(temp, IMAGE_LAYER_MARK), `${layer.digest}\n`);
      },
    });
    return { dir: join(cacheDir, tag, 'fs'), downloaded };
  }

  async #download(
    client: RegistryClient,
    layer: Descriptor,
    compression: 'gzip' | 'tar',
    dest: string,
    label: string,
    how: { readonly log: PullLog },
  ): Promise<number> {
    const response = await client.blob(layer.digest);
    if (response.body === null)
      throw new ImagePullError(`${label}: layer ${shortDigest(layer.digest)} came with no body`);
    const progress = new LayerProgress(layer.digest, layer.size, (line) => how.log('info', line));
    const hash = createHash('sha256');
    let received = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > layer.size) {
          callback(
            new ImagePullError(
              `${label}: layer ${shortDigest(layer.digest)} is larger than its manifest says (${layer.size} bytes)`,
            ),
          );
          return;
        }
        hash.update(chunk);
        progress.received(chunk.length);
        callback(null, chunk);
      },
    });
    const maxBytes = this.options.maxLayerBytes ?? 16 * 2 ** 30;
    const maxEntries = this.options.maxLayerEntries ?? 2_000_000;
    // Headers and padding beyond the declared sizes are bounded too (a zero-filled gzip bomb writes nothing, but would spin).
    const tarCap = maxBytes + maxEntries * 2048;
    let tarBytes = 0;
    const capTar = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        tarBytes += chunk.length;
        if (tarBytes > tarCap) callback(new UnsafeLayerError(`the layer's tar stream is longer than the cap allows`));
        else callback(null, chunk);
      },
    });
    const tar = new PassThrough();
    const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    const stages =
      compression === 'gzip' ? [source, verify, createGunzip(), capTar, tar] : [source, verify, capTar, tar];
    try {
      const [, result] = await Promise.all([
        pipeline(stages as unknown as [Readable, ...Transform[]]),
        unpackLayer(tar, dest, { ids: this.options.ids, maxBytes, maxEntries }),
      ]);
      if (received !== layer.size)
        throw new ImagePullError(
          `${label}: layer ${shortDigest(layer.digest)} ended after ${received} of ${layer.size} bytes`,
        );
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== layer.digest)
        throw new ImagePullError(
          `${label}: layer ${shortDigest(layer.digest)} does not match its digest (got ${shortDigest(actual)})`,
        );
      if (result.skipped.length > 0)
        how.log(
          'warn',
          `Layer ${shortDigest(layer.digest)}: skipped ${result.skipped.length} device node(s)/FIFO(s) (a devbox's /dev comes from the runtime): ${result.skipped.slice(0, 5).join(', ')}`,
        );
      progress.done();
      return received;
    } catch (error) {
      source.destroy();
      if (error instanceof UnsafeLayerError)
        throw new ImagePullError(`${label}: layer ${shortDigest(layer.digest)} refused: ${error.message}`);
      if (error instanceof ImagePullError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || /tar|header/i.test(String((error as Error).message))) {
        throw new ImagePullError(
          `${label}: layer ${shortDigest(layer.digest)} is not a valid ${compression === 'gzip' ? 'gzip-compressed ' : ''}tar archive`,
        );
      }
      throw error;
    }
  }
}

function checkDigest(body: Buffer, digest: string, label: string): void {
  const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (actual !== digest) throw new ImagePullError(`${label}: content does not match its digest ${shortDigest(digest)}`);
}

function parseJson<T>(body: Buffer, what: string): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new ImagePullError(`${what} is not valid JSON`);
  }
}

function imageConfig(doc: ImageConfigDocument): ImageConfig {
  const env: Record<string, string> = {};
  for (const pair of doc.config?.Env ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const c = doc.config;
  return {
    env,
    ...(c?.WorkingDir ? { workdir: c.WorkingDir } : {}),
    ...(c?.User ? { user: c.User } : {}),
    ...(c?.Entrypoint ? { entrypoint: c.Entrypoint } : {}),
    ...(c?.Cmd ? { cmd: c.Cmd } : {}),
  };
}
