/**
 * Image references as written after `FROM`, normalised the way Docker does:
 * `python:3.12-slim` is `docker.io/library/python:3.12-slim`, a first path
 * component with a dot, a colon or `localhost` names the registry, the tag
 * defaults to `latest`. `runloop:…` names Runloop's own default images,
 * which runloop-local serves from its local Debian base.
 */

/**
 * A parsed, normalised image reference.
 *
 * @example
 * parseImageReference('python:3.12-slim');
 * // { registry: 'docker.io', repository: 'library/python', tag: '3.12-slim', canonical: 'docker.io/library/python:3.12-slim' }
 */
export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `127.0.0.1:5000`… */
  readonly registry: string;
  /** `library/python`, `test/image`… */
  readonly repository: string;
  /** Set unless the reference pins a digest only. */
  readonly tag?: string;
  /** `sha256:…` when pinned. */
  readonly digest?: string;
  /** The full normalised name, for logs. */
  readonly canonical: string;
}

/**
 * A reference that is not a valid image name; the message names it.
 *
 * @example
 * try { parseImageReference('Bad Name'); } catch (e) { if (e instanceof ImageReferenceError) log(e.message); }
 */
export class ImageReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageReferenceError';
  }
}

/**
 * Docker Hub's name in references.
 *
 * @example
 * parseImageReference('python:3.12-slim').registry === DOCKER_HUB; // true
 */
export const DOCKER_HUB = 'docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

/**
 * Parses and normalises an image reference.
 *
 * @example
 * parseImageReference('127.0.0.1:5000/test/image@sha256:' + 'a'.repeat(64)).digest; // 'sha256:aaa…'
 */
export function parseImageReference(text: string): ImageReference {
  const bad = (why: string): ImageReferenceError =>
    new ImageReferenceError(`${JSON.stringify(text)} is not a valid image name: ${why}`);
  let rest = text.trim();
  if (rest === '') throw bad('it is empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest must be sha256:<64 hex digits>');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`bad tag ${JSON.stringify(tag)}`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
  ) {
    if (!HOST.test(first)) throw bad(`bad registry host ${JSON.stringify(first)}`);
    registry = first === 'index.docker.io' || first === 'registry-1.docker.io' ? DOCKER_HUB : first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((part) => !COMPONENT.test(part)))
    throw bad('the repository must be lowercase letters, digits and separators');
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (tag === undefined && digest === undefined) tag = 'latest';
  const canonical = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    canonical,
  };
}

/**
 * Whether `text` names one of Runloop's own default images
 * (`runloop:runloop/starter-x86_64`, `runloop:runloop/universal-ubuntu-24.04-x86_64`…):
 * those come from Runloop's platform, not a registry, and map to the local base.
 *
 * @example
 * isRunloopDefaultImage('runloop:runloop/starter-arm64'); // true
 * isRunloopDefaultImage('python:3.12-slim'); // false
 */
export function isRunloopDefaultImage(text: string): boolean {
  return /^runloop:\S+$/.test(text.trim());
}
