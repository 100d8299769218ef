/**
 * Builds OCI images in tests, layer by layer with tar-stream (any entry a
 * test wants: whiteouts, opaque markers, setuid files, hard links, hostile
 * names), and pushes them to a registry over the distribution API.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

/**
 * One tar entry: a header plus the content of a file.
 *
 * @example
 * const entry: LayerEntry = { name: 'etc/motd', content: 'hi\n', uid: 0, gid: 0, mode: 0o644 };
 */
export type LayerEntry = Partial<Header> & { readonly name: string; readonly content?: string | Buffer };

/**
 * A gzip-compressed layer and its digests.
 *
 * @example
 * const layer = await makeLayer([{ name: 'hello.txt', content: 'hi' }]);
 */
export interface Layer {
  readonly blob: Buffer;
  readonly digest: string;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids`). */
  readonly diffId: string;
}

/**
 * Packs entries into a gzip-compressed tar layer.
 *
 * @example
 * const layer = await makeLayer([{ name: 'dir/', type: 'directory' }, { name: 'dir/.wh..wh..opq' }]);
 */
export async function makeLayer(entries: readonly LayerEntry[]): Promise<Layer> {
  return layerOf(gzipSync(await tarOf(entries)));
}

/**
 * The uncompressed tar of `entries` (for feeding the unpacker directly).
 *
 * @example
 * await unpackLayer(Readable.from([await tarOf(entries)]), dir, options);
 */
export async function tarOf(entries: readonly LayerEntry[]): Promise<Buffer> {
  const tar = pack();
  const collected = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  })();
  for (const { content, ...header } of entries) {
    const body = content === undefined ? Buffer.alloc(0) : Buffer.from(content);
    const type = header.type ?? (header.name.endsWith('/') ? 'directory' : 'file');
    const full = {
      mode: type === 'directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(1_700_000_000_000),
      ...header,
      type,
      size: type === 'file' ? body.length : 0,
    } as Header;
    await new Promise<void>((resolve, reject) => {
      tar.entry(full, type === 'file' ? body : '', (error) => (error ? reject(error) : resolve()));
    });
  }
  tar.finalize();
  return collected;
}

/**
 * A gzip blob with its digest and diff id.
 *
 * @example
 * const layer = layerOf(gzipSync(tar));
 */
export function layerOf(blob: Buffer): Layer {
  const sha = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
  let diffId: string;
  try {
    diffId = sha(gunzipSync(blob));
  } catch {
    diffId = sha(blob); // not gzip (configs, manifests): its own digest
  }
  return { blob, digest: sha(blob), diffId };
}

/**
 * What an image's config says.
 *
 * @example
 * const config: TestImageConfig = { Env: ['PATH=/bin', 'GREETING=hi'], WorkingDir: '/srv' };
 */
export interface TestImageConfig {
  readonly Env?: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
  readonly Cmd?: readonly string[];
  readonly Entrypoint?: readonly string[];
  readonly architecture?: string;
}

/**
 * Pushes an image (layers bottom first) and tags it; with `index`, the tag
 * names an index holding a foreign-architecture entry first and this image second.
 *
 * @example
 * await pushImage('http://127.0.0.1:5000', 'test/image', '1', [base, top], { Env: ['A=1'] });
 */
export async function pushImage(
  registryUrl: string,
  repository: string,
  tag: string,
  layers: readonly Layer[],
  config: TestImageConfig,
  options: { readonly index?: boolean; readonly auth?: { readonly username: string; readonly password: string } } = {},
): Promise<{ readonly manifestDigest: string }> {
  const headers: Record<string, string> = options.auth
    ? { authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` }
    : {};
  const { architecture = 'amd64', ...runConfig } = config;
  for (const layer of layers) await pushBlob(registryUrl, repository, layer.blob, headers);
  /** Pushes the config and manifest for one architecture; returns the manifest. */
  const manifestFor = async (arch: string): Promise<{ body: Buffer; digest: string }> => {
    const configBlob = Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        config: runConfig,
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }),
    );
    await pushBlob(registryUrl, repository, configBlob, headers);
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: layerOf(configBlob).digest,
          size: configBlob.length,
        },
        layers: layers.map((l) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.blob.length,
        })),
      }),
    );
    return { body, digest: layerOf(body).digest };
  };
  const own = await manifestFor(architecture);
  if (!options.index) {
    await putManifest(registryUrl, repository, tag, own.body, 'application/vnd.oci.image.manifest.v1+json', headers);
    return { manifestDigest: own.digest };
  }
  // Another platform first: the pull must choose, not take the first.
  const foreign = await manifestFor('s390x');
  for (const m of [foreign, own])
    await putManifest(registryUrl, repository, m.digest, m.body, 'application/vnd.oci.image.manifest.v1+json', headers);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: foreign.digest,
          size: foreign.body.length,
          platform: { os: 'linux', architecture: 's390x' },
        },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: own.digest,
          size: own.body.length,
          platform: { os: 'linux', architecture },
        },
      ],
    }),
  );
  await putManifest(registryUrl, repository, tag, index, 'application/vnd.oci.image.index.v1+json', headers);
  return { manifestDigest: own.digest };
}

async function pushBlob(
  registryUrl: string,
  repository: string,
  blob: Buffer,
  headers: Record<string, string>,
): Promise<void> {
  const digest = layerOf(blob).digest;
  const started = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
  await started.arrayBuffer();
  if (started.status !== 202) throw new Error(`blob upload start: HTTP ${started.status}`);
  const location = new URL(started.headers.get('location')!, registryUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: blob,
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status}`);
}

async function putManifest(
  registryUrl: string,
  repository: string,
  reference: string,
  body: Buffer,
  mediaType: string,
  headers: Record<string, string>,
): Promise<void> {
  const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': mediaType },
    body,
  });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`manifest push: HTTP ${put.status} ${text}`);
}

/**
 * A layer holding static busybox as /bin/sh and friends: the smallest root a
 * devbox can run commands in (the agent needs a shell and `cat`).
 *
 * @example
 * const base = await busyboxLayer();
 */
export async function busyboxLayer(): Promise<Layer> {
  const { readFile } = await import('node:fs/promises');
  const busybox = await readFile('/bin/busybox');
  const applets = [
    'sh',
    'cat',
    'ls',
    'mkdir',
    'chown',
    'stat',
    'printf',
    'echo',
    'test',
    'grep',
    'id',
    'env',
    'readlink',
    'rm',
    'touch',
    'head',
    'sleep',
    'true',
    'false',
    'find',
    'sort',
    'tr',
    'wc',
    'mknod',
    'find',
  ];
  const entries: LayerEntry[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: busybox, mode: 0o755 },
    ...[...new Set(applets)].map((name): LayerEntry => ({ name: `bin/${name}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'etc/group', content: 'root:x:0:\n' },
    { name: 'root/', type: 'directory', mode: 0o700 },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'usr/bin/env', type: 'symlink', linkname: '/bin/busybox' },
  ];
  return makeLayer(entries);
}
