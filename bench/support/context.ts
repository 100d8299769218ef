/**
 * What every bench case gets: the server, runloop-rx and the official client
 * (both with their requests counted), and a raw undici client for the floor.
 */
import { RunloopSDK } from '../../src/index.js';
import { CountingAgent } from './counting-agent.js';
import { officialClient, type OfficialClient } from './official.js';
import { rawHttp, type RawHttp } from './raw-http.js';
import type { BenchServer } from './server.js';
import type { ResultRow } from './stats.js';

/** Shared by the cases. */
export interface BenchContext {
  readonly server: BenchServer;
  readonly sdk: RunloopSDK;
  readonly agent: CountingAgent;
  readonly official: OfficialClient;
  readonly raw: RawHttp;
}

/** A bench case: measures, returns table rows. */
export type BenchCase = (ctx: BenchContext) => Promise<ResultRow[]>;

/**
 * Builds the context for a server.
 *
 * @example
 * const ctx = createContext(server); try { ... } finally { await closeContext(ctx); }
 */
export function createContext(server: BenchServer): BenchContext {
  const agent = new CountingAgent();
  const sdk = new RunloopSDK({ baseURL: server.url, bearerToken: server.token, dispatcher: agent });
  return {
    server,
    sdk,
    agent,
    official: officialClient(server.url, server.token),
    raw: rawHttp(server.url, server.token),
  };
}

/**
 * Closes the clients of a context (not the server).
 *
 * @example
 * await closeContext(ctx);
 */
export async function closeContext(ctx: BenchContext): Promise<void> {
  await ctx.sdk.close();
  await ctx.agent.close();
  await ctx.raw.close();
}
