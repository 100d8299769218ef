/**
 * The official `@runloop/api-client` as users run it (its default HTTP/2
 * transport, its object SDK), with every request it sends counted: the
 * client's own fetch function is wrapped, so the transport is unchanged.
 */
import { RunloopSDK } from '@runloop/api-client';

/** The official SDK plus a request counter. */
export interface OfficialClient {
  readonly sdk: RunloopSDK;
  /** Requests since the last reset. */
  readonly total: () => number;
  /** Requests since the last reset whose `METHOD path` matches. */
  readonly matching: (pattern: RegExp) => number;
  readonly reset: () => void;
}

type FetchLike = (url: string, init?: { method?: string }) => Promise<unknown>;

/**
 * Builds the official client for a server.
 *
 * @example
 * const official = officialClient(server.url, server.token); await official.sdk.devbox.create();
 */
export function officialClient(baseURL: string, bearerToken: string): OfficialClient {
  const sdk = new RunloopSDK({ baseURL, bearerToken });
  let paths: string[] = [];
  // `fetch` is the client's own transport function (HTTP/2 by default); counting wraps it, nothing else.
  const api = sdk.api as unknown as { fetch: FetchLike };
  const inner = api.fetch;
  api.fetch = (url, init) => {
    paths.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    return inner(url, init);
  };
  return {
    sdk,
    total: () => paths.length,
    matching: (pattern) => paths.filter((p) => pattern.test(p)).length,
    reset: () => (paths = []),
  };
}
