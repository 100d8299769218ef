/**
 * Matches a method and path against declared routes. A path that exists
 * under another method is a 405, not a 404.
 */
import type { Route } from './route.js';

interface Compiled {
  readonly route: Route<any, any>;
  readonly segments: readonly string[];
}

/**
 * The outcome of matching one request.
 *
 * @example
 * const m: Match = router.match('GET', '/v1/objects'); if (m.kind === 'found') m.route.handler;
 */
export type Match =
  | { readonly kind: 'found'; readonly route: Route<any, any>; readonly params: Record<string, string> }
  | { readonly kind: 'method_not_allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not_found' };

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/**
 * A route table. Literal segments win over `:params` at the same position,
 * so `/v1/devboxes/disk_snapshots` is not taken for `/v1/devboxes/:id`.
 *
 * @example
 * const router = new Router([...objectRoutes]);
 * router.match('GET', '/v1/objects/obj_1'); // { kind: 'found', params: { id: 'obj_1' } }
 */
export class Router {
  private readonly compiled: Compiled[] = [];

  constructor(routes: readonly Route<any, any>[] = []) {
    this.add(routes);
  }

  /** Adds routes; a duplicate method + pattern throws (two services claiming one endpoint is a bug). */
  add(routes: readonly Route<any, any>[]): void {
    for (const route of routes) {
      if (route.method === 'PUT' && route.path.startsWith('/v1/')) {
        throw new Error(`route PUT ${route.path}: the API uses only GET and POST (PUT is for presigned URLs)`);
      }
      const segments = split(route.path);
      const shape = shapeOf(segments);
      const clash = this.compiled.find((c) => c.route.method === route.method && shapeOf(c.segments) === shape);
      if (clash) throw new Error(`route ${route.method} ${route.path} is declared twice`);
      this.compiled.push({ route, segments });
    }
    // More literal segments first: specific routes beat parameterised ones.
    this.compiled.sort((a, b) => score(b.segments) - score(a.segments));
  }

  match(method: string, pathname: string): Match {
    const parts = split(pathname);
    const allowed = new Set<string>();
    for (const candidate of this.compiled) {
      const params = matchSegments(candidate.segments, parts);
      if (params === undefined) continue;
      if (candidate.route.method === method) return { kind: 'found', route: candidate.route, params };
      allowed.add(candidate.route.method);
    }
    return allowed.size > 0 ? { kind: 'method_not_allowed', allowed: [...allowed] } : { kind: 'not_found' };
  }
}

/** `/v1/devboxes/:id` and `/v1/devboxes/:other` have the same shape: they would shadow each other. */
function shapeOf(segments: readonly string[]): string {
  return segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/');
}

function score(segments: readonly string[]): number {
  // Weight literals by position so that the first differing literal decides.
  return segments.reduce((sum, s, i) => sum + (s.startsWith(':') ? 0 : 2 ** (16 - Math.min(i, 16))), 0);
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    let part: string;
    try {
      part = decodeURIComponent(parts[i]!);
    } catch {
      return undefined;
    }
    if (p.startsWith(':')) params[p.slice(1)] = part;
    else if (p !== part) return undefined;
  }
  return params;
}
