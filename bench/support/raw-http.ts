/**
 * Raw HTTP calls with undici, the baseline the SDK is compared with: the
 * same endpoints, same keep-alive Agent settings, no SDK in between.
 */
import { Agent, request } from 'undici';

/** A raw client for one server. */
export interface RawHttp {
  readonly agent: Agent;
  /** A JSON request to the API with the bearer token; resolves with the parsed body. */
  json(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<any>;
  close(): Promise<void>;
}

/**
 * Creates a raw client.
 *
 * @example
 * const raw = rawHttp(url, token); const view = await raw.json('POST', `/v1/devboxes/${id}/execute`, { command: 'true' });
 */
export function rawHttp(baseURL: string, token: string): RawHttp {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  return {
    agent,
    json: async (method, path, body, signal) => {
      const res = await request(`${baseURL}${path}`, {
        method,
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      return text === '' ? undefined : JSON.parse(text);
    },
    close: () => agent.close(),
  };
}
