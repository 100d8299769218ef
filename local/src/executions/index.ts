/**
 * Command executions (runloop-api.md §7): the service plugged into the
 * server, and `ctx.services.executions` for other areas (e.g. files).
 */
import type { LocalService, ServerContext, ServiceFactory } from '../context.js';
import type { DevboxService } from '../devboxes/service.js';
import { executionRoutes } from './routes.js';
import { ExecutionService } from './service.js';

export { ExecutionService } from './service.js';
/** @example ctx.services.executions.start(id, { command: 'ls' } satisfies StartParams); */
export type { StartParams, StreamName } from './service.js';
/** @example const record: ExecutionRecord = ctx.services.executions.get(devboxId, executionId); */
export type { ExecutionRecord } from './record.js';
export { OutputLog, finishedOutput, openReader } from './output-log.js';
/** @example const source: OutputSource = await ctx.services.executions.output(record, 'stdout'); */
export type { OutputProgress, OutputReader, OutputSource } from './output-log.js';
export { outputEvents, nextOutput, DEFAULT_STREAM_IDLE_MS, MAX_CHUNK_BYTES } from './output-stream.js';
export { completeUtf8Prefix } from './utf8.js';
export { tailLines, DEFAULT_LAST_N } from './tail.js';

declare module '../context.js' {
  interface ServiceMap {
    executions: ExecutionService;
  }
}

/**
 * Environment override of the SSE idle timeout (ms), for tests only; default 20 s.
 *
 * @example
 * process.env[STREAM_IDLE_ENV] = '1000'; // before starting a test server
 */
export const STREAM_IDLE_ENV = 'RUNLOOP_LOCAL_STREAM_IDLE_MS';

function idleFromEnv(): number | undefined {
  const value = Number(process.env[STREAM_IDLE_ENV]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The executions service. Uses the devboxes service (`ctx.services.devboxes`).
 *
 * @example
 * startLocalServer({ services: [createObjectsService, createDevboxesService, createService] });
 */
export const createService: ServiceFactory = (ctx: ServerContext): LocalService => {
  const executions = new ExecutionService(ctx, (): DevboxService => ctx.services.devboxes);
  ctx.registry.provide('executions', executions);
  const routes = executionRoutes(executions, { streamIdleMs: idleFromEnv(), stopping: ctx.stopping });
  return {
    name: 'executions',
    routes: () => routes,
    start: async () => executions.reconcile(),
    stop: () => executions.close(),
  };
};
