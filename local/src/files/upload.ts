/**
 * `upload_file`: a multipart body with a `path` text field and a `file`
 * part, streamed with busboy straight into the devbox, never buffered whole.
 * When the file part comes before the path (legal in multipart), it is
 * spooled to a temporary file on the host first.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import busboy from 'busboy';
import { InvalidInputError } from '../errors.js';

/**
 * Where to put the bytes: called once per upload with the `path` field and the content.
 *
 * @example
 * const sink: UploadSink = (path, content) => handle.writeFile(path, content);
 */
export type UploadSink = (path: string, content: Readable) => Promise<void>;

const ignore = (): void => undefined;

function badRequest(message: string): InvalidInputError {
  return new InvalidInputError('body', message);
}

/**
 * Reads a multipart upload and hands its `file` part to `sink`.
 *
 * @example
 * await receiveUpload(ctx.raw, ctx.headers['content-type'], spoolDir, (path, content) => handle.writeFile(path, content));
 */
export async function receiveUpload(
  body: Readable,
  contentType: string | undefined,
  spoolDir: string,
  sink: UploadSink,
): Promise<void> {
  if (contentType === undefined || !/^multipart\/form-data/i.test(contentType)) {
    body.resume();
    throw badRequest('upload_file needs a multipart/form-data body with a `path` field and a `file` part');
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      limits: { files: 1, fields: 10, fieldSize: 64 * 1024 },
    });
  } catch {
    body.resume();
    throw badRequest('malformed multipart/form-data content type');
  }
  let path: string | undefined;
  let writing: Promise<void> | undefined;
  let spooled: string | undefined;
  let failure: unknown;
  let held: PassThrough | undefined;
  parser.on('field', (name, value) => {
    if (name === 'path') path = value;
  });
  // A body cut short errors the parser and every open file stream; those
  // errors are answered through the pipeline below, and an 'error' event
  // with no listener would take the whole process down.
  parser.on('error', ignore);
  parser.on('file', (name, stream) => {
    stream.on('error', ignore);
    if (name !== 'file' || writing !== undefined) {
      stream.resume();
      return;
    }
    if (path !== undefined && path !== '') {
      // The sink commits the file when its content ends: that end waits
      // until the whole form parsed, so a body cut short even after the
      // file part (no closing boundary) leaves nothing at the path.
      const content = new PassThrough();
      stream.pipe(content, { end: false });
      held = content;
      writing = sink(path, content).catch((error: unknown) => {
        failure = error;
        content.resume();
      });
      return;
    }
    spooled = join(spoolDir, `upload-${randomBytes(8).toString('hex')}`);
    const target = spooled;
    writing = mkdir(spoolDir, { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target)))
      .catch((error: unknown) => {
        failure = error;
        stream.resume();
      });
  });
  try {
    await pipeline(body, parser).catch((error: unknown) => {
      held?.destroy(error as Error);
      throw badRequest('malformed multipart/form-data body');
    });
    held?.end();
    await writing;
    if (failure !== undefined) throw failure;
    if (path === undefined || path === '') throw badRequest('upload_file needs a non-empty `path` field');
    if (writing === undefined) throw badRequest('upload_file needs a `file` part');
    if (spooled !== undefined) await sink(path, createReadStream(spooled));
  } finally {
    if (spooled !== undefined) await rm(spooled, { force: true });
  }
}
