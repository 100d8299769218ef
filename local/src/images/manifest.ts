/**
 * The parts of OCI / Docker v2 manifests, indexes and image configs a pull
 * reads, and the choice of the host's platform from an index.
 */
import { ImagePullError } from './registry-client.js';

/**
 * A content descriptor.
 *
 * @example
 * const layer: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: 'sha256:…', size: 31_000_000 };
 */
export interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

/**
 * An image manifest or an index (a list of manifests by platform).
 *
 * @example
 * const parsed = JSON.parse(body) as ManifestDocument;
 * if (isIndex(parsed, mediaType)) pickPlatform(parsed, 'amd64', name);
 */
export interface ManifestDocument {
  readonly schemaVersion?: number;
  readonly mediaType?: string;
  readonly manifests?: readonly Descriptor[];
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
}

/**
 * The image config fields a devbox uses.
 *
 * @example
 * const { config } = JSON.parse(configBlob) as ImageConfigDocument;
 * config?.Env; // ['PATH=/usr/local/bin:…', 'LANG=C.UTF-8']
 */
export interface ImageConfigDocument {
  readonly architecture?: string;
  readonly os?: string;
  readonly config?: {
    readonly Env?: readonly string[] | null;
    readonly WorkingDir?: string;
    readonly User?: string;
    readonly Entrypoint?: readonly string[] | null;
    readonly Cmd?: readonly string[] | null;
  };
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * Whether a fetched document is an index (by its own mediaType, else the response's).
 *
 * @example
 * isIndex({ manifests: [] }, 'application/vnd.oci.image.index.v1+json'); // true
 */
export function isIndex(doc: ManifestDocument, responseType: string): boolean {
  return INDEX_TYPES.has(doc.mediaType ?? responseType) || (doc.manifests !== undefined && doc.layers === undefined);
}

/**
 * The OCI architecture name of this host (`amd64`, `arm64`…).
 *
 * @example
 * hostArchitecture(); // 'amd64' on x86-64
 */
export function hostArchitecture(): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return names[process.arch] ?? process.arch;
}

/**
 * The index entry for linux/`architecture` (arm64: variant v8 or none), or a clear error listing what the index has.
 *
 * @example
 * const chosen = pickPlatform(index, 'amd64', 'docker.io/library/python:3.12-slim');
 */
export function pickPlatform(index: ManifestDocument, architecture: string, label: string): Descriptor {
  const entries = index.manifests ?? [];
  const match = entries.find(
    (m) =>
      m.platform?.os === 'linux' &&
      m.platform.architecture === architecture &&
      (architecture !== 'arm64' || m.platform.variant === undefined || m.platform.variant === 'v8'),
  );
  if (match !== undefined) return match;
  const offered = entries
    .map((m) =>
      m.platform
        ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`
        : '?',
    )
    .filter((p) => p !== 'unknown/unknown');
  throw new ImagePullError(
    `${label}: no linux/${architecture} image (the index has ${offered.join(', ') || 'nothing'})`,
  );
}

/** Layer media types and how to read them. */
const LAYER_TYPES: Record<string, 'gzip' | 'tar'> = {
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar': 'tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
};

/**
 * How a layer is compressed, or a clear error for a kind this server cannot read.
 *
 * @example
 * layerCompression({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size }, label); // 'gzip'
 */
export function layerCompression(layer: Descriptor, label: string): 'gzip' | 'tar' {
  const kind = LAYER_TYPES[layer.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip'];
  if (kind !== undefined) return kind;
  if (layer.mediaType?.endsWith('+zstd') === true)
    throw new ImagePullError(
      `${label}: zstd-compressed layers are not supported by this server (Node ${process.versions.node} has no zstd)`,
    );
  throw new ImagePullError(`${label}: unsupported layer type ${layer.mediaType ?? '?'}`);
}
