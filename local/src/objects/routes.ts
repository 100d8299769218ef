/**
 * The storage object routes: the authenticated API under /v1/objects and
 * the public presigned URLs (HTTP/1.1, no auth; the signature is the auth).
 */
import * as t from 'io-ts';
import {
  DEFAULT_DOWNLOAD_URL_SECONDS,
  ObjectCreateParams,
  ObjectDownloadQuery,
  ObjectListQuery,
} from 'runloop-rx/views';
import { EmptyParams } from 'runloop-rx/views';
import { json, route, type Route } from '../http/route.js';
import { PRESIGNED_PREFIX } from './presign.js';
import { parseRange } from '../http/range.js';
import { mimeTypeOf, toObjectView, type ObjectRecord } from './record.js';
import type { StorageObjects } from './objects.js';
import type { Page } from '../store/collection.js';

const PresignedQuery = t.partial({ op: t.string, expires: t.string, sig: t.string });
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * Where this client reached us: presigned URLs must use the same origin
 * (the configured base URL when the Host header is absent or odd).
 */
function baseUrlFor(headers: Readonly<Record<string, string | undefined>>, fallback: string): string {
  const host = headers.host;
  return host !== undefined && HOST.test(host) ? `http://${host}` : fallback;
}

function page(result: Page<ObjectRecord>) {
  const body: { objects: unknown[]; has_more: boolean; total_count?: number } = {
    objects: result.items.map(toObjectView),
    has_more: result.hasMore,
  };
  if (result.totalCount !== undefined) body.total_count = result.totalCount;
  return body;
}

/**
 * Every object route.
 *
 * @example
 * router.add(objectRoutes(objects, () => config.baseUrl));
 */
export function objectRoutes(objects: StorageObjects, baseUrl: () => string): Route<any, any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/objects',
      body: ObjectCreateParams,
      handler: async ({ body, headers }) => json(objects.create(body, baseUrlFor(headers, baseUrl()))),
    }),
    route({
      method: 'GET',
      path: '/v1/objects',
      query: ObjectListQuery,
      handler: async ({ query }) => json(page(objects.list(query))),
    }),
    route({
      method: 'GET',
      path: '/v1/objects/list_public',
      query: ObjectListQuery,
      // Nothing is public on a local server; the shape still matches.
      handler: async ({ query }) =>
        json(
          query.include_total_count === false
            ? { objects: [], has_more: false }
            : { objects: [], has_more: false, total_count: 0 },
        ),
    }),
    route({
      method: 'GET',
      path: '/v1/objects/:id',
      handler: async ({ params }) => json(objects.view(params.id)),
    }),
    route({
      method: 'POST',
      path: '/v1/objects/:id/complete',
      body: EmptyParams,
      handler: async ({ params }) => json(toObjectView(await objects.complete(params.id))),
    }),
    route({
      method: 'GET',
      path: '/v1/objects/:id/download',
      query: ObjectDownloadQuery,
      handler: async ({ params, query, headers }) =>
        json({
          download_url: objects.downloadUrl(
            params.id,
            query.duration_seconds ?? DEFAULT_DOWNLOAD_URL_SECONDS,
            baseUrlFor(headers, baseUrl()),
          ),
        }),
    }),
    route({
      method: 'POST',
      path: '/v1/objects/:id/delete',
      body: EmptyParams,
      handler: async ({ params }) => json(toObjectView(await objects.delete(params.id))),
    }),
    route({
      method: 'PUT',
      path: `${PRESIGNED_PREFIX}/:id`,
      public: true,
      raw: true,
      query: PresignedQuery,
      handler: async ({ params, query, raw, signal }) => {
        objects.checkPresigned('upload', params.id, query as Record<string, string>);
        const record = await objects.upload(params.id, raw, signal);
        return json({ id: record.id, size_bytes: record.size_bytes });
      },
    }),
    route({
      method: 'GET',
      path: `${PRESIGNED_PREFIX}/:id`,
      public: true,
      query: PresignedQuery,
      handler: async ({ params, query, headers }) => {
        objects.checkPresigned('download', params.id, query as Record<string, string>);
        const content = await objects.open(params.id, (size) => parseRange(headers.range, size));
        return {
          kind: 'stream',
          body: content.stream,
          contentType: mimeTypeOf(content.contentType),
          contentLength: content.sizeBytes,
          ...(content.range !== undefined ? { range: content.range } : {}),
        };
      },
    }),
  ];
}
