/**
 * The blueprint routes (runloop-api.md §11).
 */
import { BlueprintCreateParams, BlueprintListQuery, type BlueprintBuildLogsView } from 'runloop-rx/views';
import { json, route, type Route } from '../http/route.js';
import type { Page } from '../store/collection.js';
import { shellQuote } from './dockerfile/shell-quote.js';
import { toBlueprintView, type BlueprintRecord } from './record.js';
import type { BlueprintService } from './service.js';

function pageOf(page: Page<BlueprintRecord>): unknown {
  return {
    blueprints: page.items.map(toBlueprintView),
    has_more: page.hasMore,
    ...(page.totalCount !== undefined ? { total_count: page.totalCount } : {}),
  };
}

/**
 * The Dockerfile a create would build: its own, or one made from its setup commands.
 *
 * @example
 * previewDockerfile({ name: 'x', system_setup_commands: ['apt-get install -y curl'] });
 * // 'FROM debian:bookworm\nRUN apt-get install -y curl\n'
 */
export function previewDockerfile(params: BlueprintCreateParams): string {
  const base = params.dockerfile ?? 'FROM debian:bookworm\n';
  const lines = [base.endsWith('\n') ? base.slice(0, -1) : base];
  for (const [path, content] of Object.entries(params.file_mounts ?? {})) {
    lines.push(
      `RUN mkdir -p "$(dirname ${shellQuote(path)})" && printf %s ${shellQuote(content)} > ${shellQuote(path)}`,
    );
  }
  for (const command of params.system_setup_commands ?? []) lines.push(`RUN ${command}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Every blueprint route.
 *
 * @example
 * router.add(blueprintRoutes(service));
 */
export function blueprintRoutes(blueprints: BlueprintService): Route<any, any>[] {
  // An unknown `starting_after` throws the store's CursorNotFoundError: a 400.
  const listing = async (run: () => unknown) => json(run());
  return [
    route({
      method: 'POST',
      path: '/v1/blueprints',
      body: BlueprintCreateParams,
      handler: async ({ body }) => json(toBlueprintView(blueprints.create(body))),
    }),
    route({
      method: 'GET',
      path: '/v1/blueprints',
      query: BlueprintListQuery,
      handler: async ({ query }) => listing(() => pageOf(blueprints.list(query))),
    }),
    route({
      method: 'GET',
      path: '/v1/blueprints/list_public',
      query: BlueprintListQuery,
      // Nothing is public on a local server.
      handler: async () => json({ blueprints: [], has_more: false, total_count: 0 }),
    }),
    route({
      method: 'POST',
      path: '/v1/blueprints/preview',
      body: BlueprintCreateParams,
      handler: async ({ body }) => json({ dockerfile: previewDockerfile(body) }),
    }),
    route({
      method: 'GET',
      path: '/v1/blueprints/:id',
      handler: async ({ params }) => json(toBlueprintView(blueprints.get(params.id))),
    }),
    route({
      method: 'GET',
      path: '/v1/blueprints/:id/logs',
      handler: async ({ params }) => {
        const body: BlueprintBuildLogsView = { blueprint_id: params.id, logs: blueprints.logs(params.id) };
        return json(body);
      },
    }),
    route({
      method: 'POST',
      path: '/v1/blueprints/:id/delete',
      handler: async ({ params }) => {
        await blueprints.delete(params.id);
        return json({});
      },
    }),
  ];
}
