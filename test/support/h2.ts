/**
 * A tiny cleartext HTTP/2 (prior knowledge) client for tests, the way the
 * official client talks to an `http://` base URL.
 */
import http2 from 'node:http2';

/**
 * A fully read HTTP/2 response.
 *
 * @example
 * const { status, json } = await h2Request(url, { method: 'GET', path: '/v1/objects' });
 */
export interface H2Response {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly json: any;
}

/**
 * Sends one request over a new h2c session and closes it.
 *
 * @example
 * const res = await h2Request(server.url, { method: 'GET', path: '/v1/objects', headers: { authorization: `Bearer ${token}` } });
 */
export async function h2Request(
  baseUrl: string,
  request: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<H2Response> {
  const session = http2.connect(baseUrl);
  try {
    return await new Promise<H2Response>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':method': request.method, ':path': request.path, ...request.headers });
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      stream.on('response', (h) => (headers = h));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: Number(headers[':status']), headers, body, json });
      });
      stream.end(request.body);
    });
  } finally {
    session.close();
  }
}
