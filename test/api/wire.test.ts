/**
 * The raw resources through the real core client against a loopback
 * HTTP/1.1 server: checks what actually goes over the wire for the
 * endpoints whose bodies are not plain JSON.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import busboy from 'busboy';
import { firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunloopApi } from '../../src/api/index.js';
import { createApiCaller, type CoreClient } from '../../src/core/caller.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly fields: Record<string, string>;
  readonly files: Record<string, { filename: string; bytes: Buffer }>;
  readonly json?: unknown;
}

const received: Received[] = [];
const download = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
let server: Server;
let client: CoreClient;
let api: RunloopApi;
const dir = mkdtempSync(join(tmpdir(), 'runloop-api-wire-'));

function readMultipart(req: IncomingMessage): Promise<Received> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Received['files'] = {};
    const parser = busboy({ headers: req.headers });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => (files[name] = { filename: info.filename ?? '', bytes: Buffer.concat(chunks) }));
    });
    parser.on('close', () => resolve({ headers: req.headers, fields, files }));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

function readJson(req: IncomingMessage): Promise<Received> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ headers: req.headers, fields: {}, files: {}, json: text ? JSON.parse(text) : undefined });
    });
    req.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const multipart = (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    void (multipart ? readMultipart(req) : readJson(req)).then((r) => {
      received.push(r);
      if (req.url === '/v1/devboxes/dbx_1/download_file') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(download);
      } else if (req.url === '/v1/devboxes/dbx_1/read_file_contents') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('{"not":"json"}\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createApiCaller({ baseURL: `http://127.0.0.1:${port}`, bearerToken: 'test-key', env: {}, maxRetries: 0 });
  api = new RunloopApi(client);
});

afterAll(async () => {
  await client.close();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('over the wire', () => {
  it('uploads a local file as multipart with `path` and a named `file` part', async () => {
    const local = join(dir, 'payload.bin');
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));
    writeFileSync(local, bytes);
    await firstValueFrom(api.devboxes.uploadFile('dbx_1', { path: 'data/payload.bin', file: { filePath: local } }));
    const r = received.at(-1);
    expect(r?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(r?.fields).toEqual({ path: 'data/payload.bin' });
    expect(r?.files['file']?.filename).toBe('payload.bin');
    expect(r?.files['file']?.bytes.equals(bytes)).toBe(true);
    // Sent with its exact length, not chunked.
    expect(r?.headers['transfer-encoding']).toBeUndefined();
    expect(Number(r?.headers['content-length'])).toBeGreaterThan(bytes.length);
  });

  it('multipart: a non-ASCII path with quotes arrives intact; the quotes in the file name are escaped', async () => {
    const bytes = new Uint8Array([0, 13, 10, 45, 45, 255]);
    const path = 'dïr/"q".txt';
    await firstValueFrom(api.devboxes.uploadFile('dbx_1', { path, file: bytes }));
    const r = received.at(-1);
    expect(r?.fields['path']).toBe(path);
    expect(r?.files['file']?.filename).toBe('%22q%22.txt');
    expect(r?.files['file']?.bytes.equals(Buffer.from(bytes))).toBe(true);
    expect(Number(r?.headers['content-length'])).toBeGreaterThan(bytes.length);
  });

  it('downloads every byte', async () => {
    const total = await lastValueFrom(
      api.devboxes
        .downloadFile('dbx_1', { path: 'out.bin' })
        .pipe(reduce((acc, chunk) => Buffer.concat([acc, chunk]), Buffer.alloc(0))),
    );
    expect(total.equals(download)).toBe(true);
    expect(received.at(-1)?.headers['accept']).toBe('application/octet-stream');
    expect(received.at(-1)?.json).toEqual({ path: 'out.bin' });
  });

  it('reads a file as text even when it looks like JSON', async () => {
    const text = await firstValueFrom(api.devboxes.readFileContents('dbx_1', { file_path: 'a.json' }));
    expect(text).toBe('{"not":"json"}\n');
    expect(received.at(-1)?.headers['accept']).toBe('text/plain');
  });

  it('sends a body-less POST as JSON with the bearer token', async () => {
    await firstValueFrom(api.devboxes.keepAlive('dbx_1'));
    const r = received.at(-1);
    expect(r?.headers['content-type']).toBe('application/json');
    expect(r?.headers['authorization']).toBe('Bearer test-key');
  });
});
