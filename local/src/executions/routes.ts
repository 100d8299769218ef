/**
 * The execution routes (runloop-api.md §7): execute (optimistic, async,
 * sync), retrieve, wait, kill, stdin, and the two SSE output streams.
 */
import {
  ExecuteAsyncParams,
  ExecuteParams,
  ExecutionKillParams,
  ExecutionWaitParams,
  LastNQuery,
  MAX_EXEC_WAIT_SECONDS,
  SendStdinParams,
  StreamOffsetQuery,
} from 'runloop-rx/views';
import { NotYetError, UnprocessableError } from '../errors.js';
import { json, route, type PathParams, type Route } from '../http/route.js';
import { outputEvents } from './output-stream.js';
import type { ExecutionRecord } from './record.js';
import type { ExecutionService, StreamName } from './service.js';

/**
 * Tuning of the execution routes; tests shorten the idle time.
 *
 * @example
 * executionRoutes(service, { streamIdleMs: 1000, stopping: ctx.stopping });
 */
export interface ExecutionRouteOptions {
  /** SSE: no new output for this long ⇒ `event: error` 408 and close. */
  readonly streamIdleMs?: number | undefined;
  readonly stopping: AbortSignal;
}

/**
 * Every execution route.
 *
 * @example
 * router.add(executionRoutes(service, { stopping }));
 */
export function executionRoutes(executions: ExecutionService, options: ExecutionRouteOptions): Route<any, any>[] {
  const base = '/v1/devboxes/:id/executions/:executionId';
  const record = (params: PathParams<typeof base>) => executions.get(params.id, params.executionId);

  /** The completed record, or the latest one after `ms` (or when the client leaves). */
  const settleWithin = async (r: ExecutionRecord, ms: number, signal: AbortSignal): Promise<ExecutionRecord> =>
    (await executions.waitFor(r, ['completed'], ms, signal)) ?? executions.records.get(r.id) ?? r;

  const stream = (name: StreamName): Route<any, any> =>
    route({
      method: 'GET',
      path: `${base}/stream_${name}_updates`,
      query: StreamOffsetQuery,
      handler: async ({ params, query, signal }) => {
        const source = await executions.output(record(params), name);
        const events = outputEvents(source, query.offset ?? 0, { idleMs: options.streamIdleMs, signal });
        return { kind: 'sse', events };
      },
    });

  return [
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/execute',
      body: ExecuteParams,
      query: LastNQuery,
      handler: async ({ params, body, query, signal }) => {
        const started = executions.start(params.id, body);
        const waitMs = (body.optimistic_timeout ?? MAX_EXEC_WAIT_SECONDS) * 1000;
        return json(await executions.view(await settleWithin(started, waitMs, signal), query.last_n));
      },
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/execute_async',
      body: ExecuteAsyncParams,
      handler: async ({ params, body }) => json(await executions.view(executions.start(params.id, body))),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/execute_sync',
      body: ExecuteAsyncParams,
      handler: async ({ params, body }) => {
        const started = executions.start(params.id, { command: body.command, shell_name: body.shell_name });
        return json(await executions.detail(await executions.completed(started)));
      },
    }),
    route({
      method: 'GET',
      path: base,
      query: LastNQuery,
      handler: async ({ params, query }) => json(await executions.view(record(params), query.last_n)),
    }),
    route({
      method: 'POST',
      path: `${base}/wait_for_status`,
      body: ExecutionWaitParams,
      query: LastNQuery,
      handler: async ({ params, body, query, signal }) => {
        const current = record(params);
        const holdMs = (body.timeout_seconds ?? MAX_EXEC_WAIT_SECONDS) * 1000;
        const found = await executions.waitFor(current, body.statuses, holdMs, signal);
        if (found !== undefined && body.statuses.includes(found.status))
          return json(await executions.view(found, query.last_n));
        if (found !== undefined) {
          throw new UnprocessableError(
            'invalid_state',
            `execution ${current.id} is completed and will never be ${body.statuses.join(' or ')}`,
          );
        }
        throw new NotYetError(`execution ${current.id} is not ${body.statuses.join(' or ')} yet; ask again`);
      },
    }),
    route({
      method: 'POST',
      path: `${base}/kill`,
      body: ExecutionKillParams,
      handler: async ({ params }) => json(await executions.view(await executions.kill(record(params)))),
    }),
    route({
      method: 'POST',
      path: `${base}/send_std_in`,
      body: SendStdinParams,
      handler: async ({ params, body }) => {
        const current = record(params);
        executions.sendStdin(current, body.text, body.signal);
        return json({ devbox_id: current.devbox_id, execution_id: current.id, success: true });
      },
    }),
    stream('stdout'),
    stream('stderr'),
  ];
}
