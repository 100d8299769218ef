/**
 * A small service for testing the HTTP layer through a real server: routes
 * that echo, throw, stream SSE, and take upgrades.
 */
import * as t from 'io-ts';
import type { ServiceFactory } from '../../src/context.js';
import { HttpError, json, route, type SseEvent } from '../../src/http/route.js';
import { openObjectContent } from '../../src/objects/index.js';

/** What the probe saw, for assertions. */
export interface ProbeState {
  executions: number;
  /** Resolves when the SSE producer was stopped (return() called or aborted). */
  sseStopped: Promise<void>;
  sseFinallyRan: boolean;
}

const EchoBody = t.type({ value: t.number, secret: t.union([t.string, t.undefined]) });

/**
 * @example
 * const state = newProbeState(); startTestServer({ services: [probeService(state)] });
 */
export function probeService(state: ProbeState): ServiceFactory {
  let markStopped: () => void = () => undefined;
  state.sseStopped = new Promise<void>((resolve) => (markStopped = resolve));
  return (ctx) => ({
    name: 'probe',
    routes: () => [
      route({
        method: 'POST',
        path: '/v1/probe/echo',
        body: EchoBody,
        handler: async ({ body }) => json({ value: body.value }),
      }),
      route({
        method: 'POST',
        path: '/v1/probe/any',
        handler: async ({ body }) => json({ body }),
      }),
      route({
        method: 'POST',
        path: '/v1/probe/count',
        handler: async ({ body }) => {
          state.executions++;
          // Long enough that a concurrent duplicate arrives while this runs.
          await new Promise((r) => setTimeout(r, 200));
          return json({ n: state.executions, body });
        },
      }),
      route({
        method: 'GET',
        path: '/v1/probe/items/:id/sub/:sub',
        query: t.partial({ limit: t.number, flag: t.boolean, name: t.string }),
        handler: async ({ params, query }) => json({ params, query }),
      }),
      route({
        method: 'GET',
        path: '/v1/probe/items/special/sub/:sub',
        handler: async () => json({ literal: true }),
      }),
      route({
        method: 'GET',
        path: '/v1/probe/sse-fails',
        handler: async () => {
          async function* events(): AsyncGenerator<SseEvent> {
            yield { data: '{"output":"a","offset":1}' };
            throw new HttpError(408, 'idle', 'no output for a while');
          }
          return { kind: 'sse', events: events() };
        },
      }),
      route({
        method: 'POST',
        path: '/v1/probe/text',
        handler: async () => ({ kind: 'text', body: 'plain ünïcode\n' }),
      }),
      route({
        method: 'POST',
        path: '/v1/probe/empty',
        handler: async () => ({ kind: 'empty', status: 204 }),
      }),
      route({
        method: 'GET',
        path: '/v1/probe/objects/:id/content',
        handler: async ({ params }) => {
          const content = await openObjectContent(ctx, params.id!);
          return {
            kind: 'stream',
            body: content.stream,
            contentType: 'application/octet-stream',
            contentLength: content.sizeBytes,
          };
        },
      }),
      route({
        method: 'POST',
        path: '/v1/probe/conflict',
        handler: async () => {
          throw new HttpError(409, 'conflict', 'busy');
        },
      }),
      route({
        method: 'POST',
        path: '/v1/probe/bug',
        handler: async () => {
          throw new Error('boom with secret-token-value');
        },
      }),
      route({
        method: 'GET',
        path: '/v1/probe/sse',
        handler: async ({ query }) => {
          const count = Number((query as Record<string, string>).count ?? 'Infinity');
          async function* events(): AsyncGenerator<SseEvent> {
            try {
              for (let i = 0; i < count; i++) {
                yield { data: JSON.stringify({ output: `line ${i}\nnext`, offset: i }) };
                if (i === 1) yield { event: 'error', data: '{"code":"408"}' };
                await new Promise((r) => setTimeout(r, 5));
              }
            } finally {
              state.sseFinallyRan = true;
              markStopped();
            }
          }
          return { kind: 'sse', events: events() };
        },
      }),
    ],
    handleUpgrade: (req, socket) => {
      if (req.url !== '/probe-upgrade') return false;
      socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: probe\r\nconnection: upgrade\r\n\r\nhello-upgraded');
      return true;
    },
  });
}

/** @example const state = newProbeState(); */
export function newProbeState(): ProbeState {
  return { executions: 0, sseStopped: Promise.resolve(), sseFinallyRan: false };
}
