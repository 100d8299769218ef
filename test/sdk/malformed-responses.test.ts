/**
 * A server that answers nonsense (wrong types, missing fields, truncated
 * JSON, the wrong content type, a body cut off mid-way): the SDK turns every
 * case into its typed errors, never an untyped crash, and a decode error
 * names the path but never the value (it may be a secret).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APIConnectionError, ResponseDecodeError, RunloopSDK } from '../../src/index.js';

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

const json =
  (body: string, type = 'application/json'): Reply =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

const VIEW = {
  id: 'dbx_1',
  status: 'running',
  create_time_ms: 1,
  end_time_ms: null,
  name: null,
  metadata: {},
  state_transitions: [],
  launch_parameters: {},
  capabilities: [],
};

/** One scripted reply per devbox id: `GET /v1/devboxes/<case>`. */
const CASES: Record<string, Reply> = {
  'wrong-type': json(
    JSON.stringify({ ...VIEW, create_time_ms: 'yesterday', metadata: { api_key: 'sk-secret-value' } }),
  ),
  'missing-field': json(JSON.stringify({ status: 'running' })),
  truncated: json(JSON.stringify(VIEW).slice(0, 40)),
  'not-json': json('<html>oops: sk-secret-value</html>', 'text/html'),
  empty: json(''),
  array: json('[1,2,3]'),
  'cut-off': (_req, res) => {
    // Promises 10 kB, sends a few bytes, then drops the connection.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '10000' });
    res.write('{"id":"dbx_1","status":"run');
    setTimeout(() => res.socket?.destroy(), 20);
  },
};

describe('malformed server responses', () => {
  let server: Server;
  let sdk: RunloopSDK;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = decodeURIComponent((req.url ?? '').split('/')[3] ?? '').split('?')[0] ?? '';
      (CASES[name] ?? json('{}'))(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    sdk = new RunloopSDK({ baseURL: `http://127.0.0.1:${port}`, bearerToken: 'test', maxRetries: 0 });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const failure = (name: string): Promise<unknown> =>
    lastValueFrom(sdk.api.devboxes.retrieve(name)).then(
      () => undefined,
      (e: unknown) => e,
    );

  it('decodes wrong types and missing fields into a ResponseDecodeError that names the paths, never the values', async () => {
    const wrong = await failure('wrong-type');
    expect(wrong).toBeInstanceOf(ResponseDecodeError);
    expect((wrong as ResponseDecodeError).message).toMatch(/create_time_ms/);
    expect((wrong as ResponseDecodeError).message).not.toMatch(/yesterday|sk-secret/);
    const missing = await failure('missing-field');
    expect(missing).toBeInstanceOf(ResponseDecodeError);
    expect((missing as ResponseDecodeError).failures.map((f) => f.path)).toEqual(expect.arrayContaining(['$.id']));
  });

  it('turns truncated JSON, the wrong content type, an empty body and the wrong shape into decode errors', async () => {
    for (const name of ['truncated', 'not-json', 'empty', 'array']) {
      const error = await failure(name);
      expect(error, name).toBeInstanceOf(ResponseDecodeError);
      expect((error as Error).message, name).not.toMatch(/sk-secret|<html>/);
    }
  });

  it('reports a body cut off mid-way as a connection error', async () => {
    const error = await failure('cut-off');
    expect(error).toBeInstanceOf(APIConnectionError);
  });
});
