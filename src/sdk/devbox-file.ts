import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Observable, defer, reduce, map, type Subscription } from 'rxjs';
import type { UploadSource } from '../api/upload.js';
import type { ExecDetail } from '../api/views/execution.js';
import type { CallOptions } from './options.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { asVoid } from './internal/as-void.js';

/**
 * What to upload: a local file path, bytes, a Blob, or a Readable stream.
 *
 * @example
 * const source: FileUploadSource = fs.createReadStream('data.bin');
 */
export type FileUploadSource = string | Uint8Array | Blob | Readable;

/**
 * `devbox.file`: read, write, upload and download files. Paths are relative
 * to the devbox user's home unless absolute. Every method is cold.
 *
 * @example
 * devbox.file.write({ path: 'hello.txt', contents: 'hi' }).pipe(switchMap(() => devbox.file.read({ path: 'hello.txt' })));
 */
export class DevboxFile {
  /** @internal */
  constructor(
    private readonly ctx: SdkContext,
    private readonly devboxId: string,
  ) {}

  /**
   * A text file's contents (UTF-8), for files under ~100 MB.
   *
   * @example
   * devbox.file.read({ path: '/etc/hostname' }).subscribe(console.log);
   */
  read(params: { readonly path: string }, options?: CallOptions): Observable<string> {
    return defer(() =>
      this.ctx.api.devboxes.readFileContents(this.devboxId, { file_path: params.path }, requestOptions(options)),
    );
  }

  /**
   * Writes a UTF-8 text file, creating parent directories.
   *
   * @example
   * devbox.file.write({ path: 'app.js', contents: 'console.log(1)' }).subscribe();
   */
  write(params: { readonly path: string; readonly contents: string }, options?: CallOptions): Observable<ExecDetail> {
    return defer(() =>
      this.ctx.api.devboxes.writeFileContents(
        this.devboxId,
        { file_path: params.path, contents: params.contents },
        requestOptions(options),
      ),
    );
  }

  /**
   * Uploads a file (multipart), streamed: a path is sent straight from disk,
   * a Readable is first spooled to a temporary file (never held in memory).
   * Emits once when stored.
   *
   * @example
   * devbox.file.upload({ path: 'data/input.csv', file: './input.csv' }).subscribe();
   */
  upload(params: { readonly path: string; readonly file: FileUploadSource }, options?: CallOptions): Observable<void> {
    const { file } = params;
    if (file instanceof Readable) {
      return spoolToFile(file, (filePath) => this.#upload(params.path, { filePath }, options));
    }
    return this.#upload(params.path, typeof file === 'string' ? { filePath: file } : file, options);
  }

  /**
   * Downloads a file and emits its bytes once, whole.
   *
   * @example
   * devbox.file.download({ path: 'out/report.pdf' }).subscribe((bytes) => fs.writeFileSync('report.pdf', bytes));
   */
  download(params: { readonly path: string }, options?: CallOptions): Observable<Uint8Array> {
    return this.downloadStream(params, options).pipe(
      reduce<Uint8Array, Uint8Array[]>((parts, chunk) => {
        parts.push(chunk);
        return parts;
      }, []),
      map((parts) => Buffer.concat(parts)),
    );
  }

  /**
   * Downloads a file as a stream of byte chunks (flat memory for any size).
   * Chunks are pushed as they arrive, with no backpressure: write them to a
   * sink that copes (or buffers) on its side. A connection lost mid-body is
   * resumed with `Range` from the last byte received, within the retry
   * budget; a file that changed meanwhile fails with `DownloadResumeError`.
   *
   * @example
   * devbox.file.downloadStream({ path: 'big.tar' }).subscribe((chunk) => out.write(chunk));
   */
  downloadStream(params: { readonly path: string }, options?: CallOptions): Observable<Uint8Array> {
    return defer(() =>
      this.ctx.api.devboxes.downloadFile(this.devboxId, { path: params.path }, requestOptions(options)),
    );
  }

  #upload(path: string, file: UploadSource, options: CallOptions | undefined): Observable<void> {
    return defer(() => this.ctx.api.devboxes.uploadFile(this.devboxId, { path, file }, requestOptions(options))).pipe(
      asVoid(),
    );
  }
}

/** Writes `source` to a temp file, runs `use(path)`, and removes the file when that ends or is cancelled. */
function spoolToFile<T>(source: Readable, use: (filePath: string) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let dir: string | undefined;
    let inner: Subscription | undefined;
    let closed = false;
    const cleanUp = (): void => {
      if (dir !== undefined) void rm(dir, { recursive: true, force: true });
    };
    mkdtemp(join(tmpdir(), 'runloop-upload-'))
      .then(async (created) => {
        dir = created;
        if (closed) {
          cleanUp();
          return;
        }
        const filePath = join(created, 'upload');
        await pipeline(source, createWriteStream(filePath));
        if (closed) return;
        inner = use(filePath).subscribe({
          next: (value) => subscriber.next(value),
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.complete(),
        });
      })
      .catch((err: unknown) => subscriber.error(err));
    return () => {
      closed = true;
      inner?.unsubscribe();
      source.destroy();
      cleanUp();
    };
  });
}
