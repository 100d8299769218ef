/**
 * Registry credentials for private images: a host → user/password map, from
 * the server's options or a Docker `config.json`-style file
 * (`{"auths": {"host:port": {"auth": base64("user:password")}}}`), the format
 * `docker login`, `skopeo login` and `podman login` write. Values are never logged.
 */
import { readFileSync } from 'node:fs';
import { DOCKER_HUB } from './reference.js';

/**
 * A user name and password (or token) for one registry.
 *
 * @example
 * const credential: RegistryCredential = { username: 'ci', password: process.env.REGISTRY_TOKEN! };
 */
export interface RegistryCredential {
  readonly username: string;
  readonly password: string;
}

/**
 * Credentials by registry host as written in references (`127.0.0.1:5000`, `ghcr.io`, `docker.io`).
 *
 * @example
 * const auths: RegistryCredentials = { 'ghcr.io': { username: 'me', password: 'ghp_…' } };
 */
export type RegistryCredentials = Readonly<Record<string, RegistryCredential>>;

/**
 * Reads a Docker `config.json`-style auth file. Entries without usable
 * credentials (e.g. ones that name a credential helper) are skipped.
 *
 * @example
 * const auths = readAuthFile('/etc/runloop-local/registries.json');
 */
export function readAuthFile(path: string): RegistryCredentials {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
    auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  };
  const out: Record<string, RegistryCredential> = {};
  for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
    let credential: RegistryCredential | undefined;
    if (typeof entry.auth === 'string') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) credential = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      credential = { username: entry.username, password: entry.password };
    }
    if (credential !== undefined) out[hostOfKey(key)] = credential;
  }
  return out;
}

/** `https://index.docker.io/v1/` → `docker.io`; `http://host:5000/` → `host:5000`. */
function hostOfKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}
