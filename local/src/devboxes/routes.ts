/**
 * The devbox routes (runloop-api.md §6): lifecycle, list, long-poll, logs, usage.
 */
import {
  DevboxCreateParams,
  DevboxListQuery,
  DevboxLogsQuery,
  DevboxShutdownQuery,
  DevboxUpdateParams,
  DevboxWaitForStatusParams,
  type DevboxUsageView,
} from 'runloop-rx/views';
import { json, route, type Route } from '../http/route.js';
import type { DevboxRecord } from './record.js';
import type { DevboxService } from './service.js';
import type { DevboxWaits } from './waits.js';

/**
 * Usage from the state transitions: time spent running, scaled by the limits.
 *
 * @example
 * usageOf(record, Date.now());
 */
export function usageOf(record: DevboxRecord, now: number): DevboxUsageView {
  const end = record.end_time_ms ?? now;
  let activeMs = 0;
  let since: number | undefined;
  for (const t of record.state_transitions) {
    const at = t.transition_time_ms ?? now;
    if (since !== undefined) activeMs += at - since;
    since = t.status === 'running' ? at : undefined;
  }
  if (since !== undefined) activeMs += end - since;
  const active = activeMs / 1000;
  const gib = (record.boot.limits.memoryBytes ?? 0) / 1024 ** 3;
  return {
    id: record.id,
    status: record.status,
    start_time_ms: record.create_time_ms,
    end_time_ms: record.end_time_ms,
    total_active_seconds: active,
    total_elapsed_seconds: (end - record.create_time_ms) / 1000,
    vcpu_seconds: active * (record.boot.limits.cpuCores ?? 0),
    memory_gb_seconds: active * gib,
    disk_gb_seconds: 0,
  };
}

/**
 * Every devbox route.
 *
 * @example
 * router.add(devboxRoutes(service, waits, Date.now));
 */
export function devboxRoutes(devboxes: DevboxService, waits: DevboxWaits, now: () => number): Route<any, any>[] {
  const view = (r: DevboxRecord) => json(devboxes.viewOf(r));
  return [
    route({
      method: 'POST',
      path: '/v1/devboxes',
      body: DevboxCreateParams,
      handler: async ({ body }) => view(await devboxes.create(body)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/create_and_await_running',
      body: DevboxCreateParams,
      handler: async ({ body, signal }) => {
        const record = await devboxes.create(body);
        return json(await waits.settle(record.id, signal));
      },
    }),
    route({
      method: 'GET',
      path: '/v1/devboxes',
      query: DevboxListQuery,
      handler: async ({ query }) => {
        const page = devboxes.records.list({
          limit: query.limit,
          startingAfter: query.starting_after,
          includeTotalCount: query.include_total_count,
          where: { status: query.status },
        });
        const body: { devboxes: unknown[]; has_more: boolean; total_count?: number } = {
          devboxes: page.items.map((r) => devboxes.viewOf(r)),
          has_more: page.hasMore,
        };
        if (page.totalCount !== undefined) body.total_count = page.totalCount;
        return json(body);
      },
    }),
    route({ method: 'GET', path: '/v1/devboxes/:id', handler: async ({ params }) => json(devboxes.view(params.id)) }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id',
      body: DevboxUpdateParams,
      handler: async ({ params, body }) => view(devboxes.update(params.id, body)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/wait_for_status',
      body: DevboxWaitForStatusParams,
      handler: async ({ params, body, signal }) => json(await waits.waitFor(params.id, body.statuses, signal)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/shutdown',
      query: DevboxShutdownQuery,
      handler: async ({ params, query }) =>
        view(await devboxes.shutdown(params.id, 'api_shutdown', query.force === true)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/suspend',
      handler: async ({ params }) => view(await devboxes.suspend(params.id)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/resume',
      handler: async ({ params }) => view(await devboxes.resume(params.id)),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/keep_alive',
      handler: async ({ params }) => {
        devboxes.keepAlive(params.id);
        return json({});
      },
    }),
    route({
      method: 'GET',
      path: '/v1/devboxes/:id/logs',
      query: DevboxLogsQuery,
      handler: async ({ params, query }) => {
        devboxes.get(params.id);
        return json({ logs: devboxes.logs.list(params.id, query) });
      },
    }),
    route({
      method: 'GET',
      path: '/v1/devboxes/:id/usage',
      handler: async ({ params }) => json(usageOf(devboxes.get(params.id), now())),
    }),
  ];
}
