/**
 * The disk snapshot routes (runloop-api.md §10).
 */
import {
  metadataFilters,
  SnapshotCreateParams,
  SnapshotListQuery,
  SnapshotUpdateParams,
  type SnapshotStatusView,
} from 'runloop-rx/views';
import { json, route, type Route } from '../http/route.js';
import { toSnapshotView } from './record.js';
import type { SnapshotService } from './service.js';

/**
 * Every disk snapshot route.
 *
 * @example
 * router.add(snapshotRoutes(service));
 */
export function snapshotRoutes(snapshots: SnapshotService): Route<any, any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/snapshot_disk',
      body: SnapshotCreateParams,
      handler: async ({ params, body }) =>
        json(toSnapshotView(await snapshots.create(params.id, body, { wait: true }))),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/snapshot_disk_async',
      body: SnapshotCreateParams,
      handler: async ({ params, body }) =>
        json(toSnapshotView(await snapshots.create(params.id, body, { wait: false }))),
    }),
    route({
      method: 'GET',
      path: '/v1/devboxes/disk_snapshots',
      query: SnapshotListQuery,
      handler: async ({ query }) => {
        const page = snapshots.list({
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
          ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
          ...(query.include_total_count !== undefined ? { includeTotalCount: query.include_total_count } : {}),
          ...(query.devbox_id !== undefined ? { devboxId: query.devbox_id } : {}),
          ...(query.source_blueprint_id !== undefined ? { sourceBlueprintId: query.source_blueprint_id } : {}),
          metadata: metadataFilters(query as Record<string, unknown>),
        });
        return json({
          snapshots: page.items.map(toSnapshotView),
          has_more: page.hasMore,
          ...(page.totalCount !== undefined ? { total_count: page.totalCount } : {}),
        });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/devboxes/disk_snapshots/:id/status',
      handler: async ({ params }) => {
        const record = snapshots.get(params.id);
        const body: SnapshotStatusView = {
          status: record.status,
          snapshot: toSnapshotView(record),
          ...(record.error_message !== null ? { error_message: record.error_message } : {}),
        };
        return json(body);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/disk_snapshots/:id',
      body: SnapshotUpdateParams,
      handler: async ({ params, body }) => json(toSnapshotView(snapshots.update(params.id, body))),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/disk_snapshots/:id/delete',
      handler: async ({ params }) => {
        await snapshots.delete(params.id);
        return json({});
      },
    }),
  ];
}
