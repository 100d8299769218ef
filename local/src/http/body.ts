/**
 * Reads a JSON request body with a size limit. An empty body is `{}`: the
 * official client sends `Content-Type: application/json` with no body on
 * POSTs that take no parameters.
 */
import type { Readable } from 'node:stream';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-depth.js';
import { HttpError } from './route.js';

/**
 * 64 MiB: write_file_contents carries whole files as JSON strings.
 *
 * @example
 * await readJsonBody(req, undefined, DEFAULT_JSON_LIMIT)
 */
export const DEFAULT_JSON_LIMIT = 64 * 1024 * 1024;

/**
 * Collects and parses the body; 413 when over `limit`, 400 when not JSON
 * or nested deeper than {@link MAX_JSON_DEPTH}.
 *
 * @example
 * const body = await readJsonBody(req, req.headers['content-length'], DEFAULT_JSON_LIMIT);
 */
export async function readJsonBody(
  stream: Readable,
  declaredLength: string | undefined,
  limit: number,
): Promise<unknown> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    stream.resume();
    throw new HttpError(413, 'payload_too_large', `JSON body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      stream.resume();
      throw new HttpError(413, 'payload_too_large', `JSON body is larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') return {};
  if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) {
    throw new HttpError(400, 'invalid_json', `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}
