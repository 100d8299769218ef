/**
 * The file routes (runloop-api.md §8). Mind the naming trap: read/write use
 * `file_path`, upload/download use `path`. Paths are relative to the user's
 * home; the runtime confines them to the devbox root.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DownloadFileParams, ReadFileParams, WriteFileParams } from 'runloop-rx/views';
import type { DevboxService } from '../devboxes/service.js';
import { json, route, type Reply, type Route } from '../http/route.js';
import { fileError } from './errors.js';
import { readBounded, type BoundedRead } from './read.js';
import { receiveUpload } from './upload.js';

/** The file's bytes, bounded (read.ts); with a satisfiable `Range` header, just those bytes and the range. */
async function readStream(
  devboxes: DevboxService,
  id: string,
  path: string,
  rangeHeader: string | undefined,
  signal: AbortSignal,
): Promise<BoundedRead> {
  const devbox = devboxes.requireRunning(id);
  devboxes.touch(id);
  try {
    return await readBounded(devbox.handle, path, rangeHeader, signal);
  } catch (error) {
    throw fileError(error, path);
  }
}

async function write(devboxes: DevboxService, id: string, path: string, content: Readable | string): Promise<void> {
  const devbox = devboxes.requireRunning(id);
  devboxes.touch(id);
  try {
    await devbox.handle.writeFile(path, content);
  } catch (error) {
    throw fileError(error, path);
  } finally {
    devboxes.touch(id);
  }
}

/**
 * Every file route.
 *
 * @example
 * router.add(fileRoutes(() => ctx.services.devboxes, join(dataDir, 'uploads')));
 */
export function fileRoutes(devboxesOf: () => DevboxService, spoolDir: string): Route<any, any>[] {
  return [
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/read_file_contents',
      body: ReadFileParams,
      handler: async ({ params, body, headers, signal }): Promise<Reply> => ({
        kind: 'stream',
        ...(await readStream(devboxesOf(), params.id, body.file_path, headers.range, signal)),
        contentType: 'text/plain; charset=utf-8',
      }),
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/write_file_contents',
      body: WriteFileParams,
      handler: async ({ params, body }) => {
        await write(devboxesOf(), params.id, body.file_path, body.contents);
        return json({ devbox_id: params.id, exit_status: 0, stdout: '', stderr: '' });
      },
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/upload_file',
      raw: true,
      handler: async ({ params, raw, headers }) => {
        const devboxes = devboxesOf();
        devboxes.requireRunning(params.id);
        await receiveUpload(raw, headers['content-type'], join(spoolDir, params.id), (path, content) =>
          write(devboxes, params.id, path, content),
        );
        return json({});
      },
    }),
    route({
      method: 'POST',
      path: '/v1/devboxes/:id/download_file',
      body: DownloadFileParams,
      handler: async ({ params, body, headers, signal }): Promise<Reply> => ({
        kind: 'stream',
        ...(await readStream(devboxesOf(), params.id, body.path, headers.range, signal)),
        contentType: 'application/octet-stream',
      }),
    }),
  ];
}
