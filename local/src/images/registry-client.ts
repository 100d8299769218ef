/**
 * A minimal OCI distribution client (pull only) on Node's fetch: manifests
 * and blobs of one repository, with the registries' two auth schemes
 * (Bearer tokens from the realm the 401 names, as Docker Hub and GHCR do;
 * Basic, as a plain `docker-registry` with htpasswd does). Errors are
 * {@link ImagePullError}s whose message fits a build log line.
 */
import type { RegistryCredential } from './credentials.js';

/**
 * A pull that cannot go on; the message says why in words a user can act on.
 *
 * @example
 * throw new ImagePullError('127.0.0.1:5000/test/image:9: not found in the registry');
 */
export class ImagePullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/**
 * Where a registry answers and how to talk to it.
 *
 * @example
 * const endpoint: RegistryEndpoint = { baseUrl: 'http://127.0.0.1:5000', credential: undefined };
 */
export interface RegistryEndpoint {
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000`… (no trailing slash). */
  readonly baseUrl: string;
  readonly credential: RegistryCredential | undefined;
}

/**
 * The manifest media types a pull accepts, in order of preference.
 *
 * @example
 * headers.accept = MANIFEST_TYPES.join(', ');
 */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/**
 * Pulls from one repository of one registry; remembers its token.
 *
 * @example
 * const client = new RegistryClient(endpoint, 'library/python', signal);
 * const { body, mediaType } = await client.manifest('3.12-slim');
 */
export class RegistryClient {
  #authorization: string | undefined;

  constructor(
    private readonly endpoint: RegistryEndpoint,
    private readonly repository: string,
    private readonly signal?: AbortSignal,
    /** What the messages call the image (its canonical name). */
    private readonly label = repository,
  ) {}

  /** The manifest (or index) for a tag or digest, as bytes plus its media type. */
  async manifest(reference: string): Promise<{ readonly body: Buffer; readonly mediaType: string }> {
    const response = await this.#get(`/v2/${this.repository}/manifests/${reference}`, MANIFEST_TYPES.join(', '));
    const body = Buffer.from(await response.arrayBuffer());
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { body, mediaType };
  }

  /** A blob's response (body not yet read). */
  blob(digest: string): Promise<Response> {
    return this.#get(`/v2/${this.repository}/blobs/${digest}`, '*/*');
  }

  async #get(path: string, accept: string): Promise<Response> {
    let response = await this.#fetch(path, accept);
    if (response.status === 401 && this.#authorization === undefined) {
      const challenge = response.headers.get('www-authenticate') ?? '';
      await response.body?.cancel();
      this.#authorization = await this.#authorize(challenge);
      response = await this.#fetch(path, accept);
    }
    if (response.ok) return response;
    await response.body?.cancel();
    throw this.#failure(response.status, path);
  }

  async #fetch(path: string, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (this.#authorization !== undefined) headers['authorization'] = this.#authorization;
    try {
      // fetch drops the Authorization header on a redirect to another origin (blob CDNs).
      return await fetch(`${this.endpoint.baseUrl}${path}`, {
        headers,
        redirect: 'follow',
        ...(this.signal ? { signal: this.signal } : {}),
      });
    } catch (error) {
      if (this.signal?.aborted === true) throw new ImagePullError(`${this.label}: the pull was cancelled`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ImagePullError(
        `${this.label}: cannot reach the registry at ${this.endpoint.baseUrl} (${cause?.code ?? cause?.message ?? String(error)})`,
      );
    }
  }

  /** Answers a 401's challenge: Basic with the credential, or a Bearer token from the named realm. */
  async #authorize(challenge: string): Promise<string> {
    const credential = this.endpoint.credential;
    const basic =
      credential && `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    const scheme = challenge.split(' ', 1)[0]?.toLowerCase();
    if (scheme === 'basic') {
      if (basic === undefined)
        throw new ImagePullError(`${this.label}: the registry requires credentials and none are configured for it`);
      return basic;
    }
    if (scheme !== 'bearer')
      throw new ImagePullError(
        `${this.label}: the registry asks for an unsupported authentication (${scheme ?? 'none'})`,
      );
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    if (params['realm'] === undefined)
      throw new ImagePullError(`${this.label}: the registry's token challenge names no realm`);
    const url = new URL(params['realm']);
    if (params['service'] !== undefined) url.searchParams.set('service', params['service']);
    url.searchParams.set('scope', `repository:${this.repository}:pull`);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: basic ? { authorization: basic } : {},
        ...(this.signal ? { signal: this.signal } : {}),
      });
    } catch (error) {
      throw new ImagePullError(
        `${this.label}: cannot reach the registry's token service ${url.host} (${String((error as { cause?: unknown }).cause ?? error)})`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ImagePullError(
        `${this.label}: the registry refused ${basic ? 'the configured credentials' : 'anonymous access'} (token service: HTTP ${response.status})`,
      );
    }
    const token = (await response.json()) as { token?: string; access_token?: string };
    const value = token.token ?? token.access_token;
    if (typeof value !== 'string' || value === '')
      throw new ImagePullError(`${this.label}: the registry's token service gave no token`);
    return `Bearer ${value}`;
  }

  #failure(status: number, path: string): ImagePullError {
    const what = path.includes('/manifests/') ? 'image' : 'layer';
    if (status === 401 || status === 403) {
      const why = this.endpoint.credential
        ? 'the registry refused the configured credentials'
        : 'the registry requires credentials and none are configured for it';
      return new ImagePullError(`${this.label}: ${why} (HTTP ${status})`);
    }
    if (status === 404) return new ImagePullError(`${this.label}: ${what} not found in the registry (HTTP 404)`);
    if (status === 429)
      return new ImagePullError(
        `${this.label}: the registry's rate limit was hit (HTTP 429); try again later or configure a mirror`,
      );
    return new ImagePullError(`${this.label}: the registry answered HTTP ${status} for the ${what}`);
  }
}
