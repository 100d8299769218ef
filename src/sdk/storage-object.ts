import { defer, map, reduce, switchMap, throwError, type Observable } from 'rxjs';
import type { BuildContext } from '../api/views/blueprint.js';
import type { ObjectDownloadUrlView, ObjectView } from '../api/views/object.js';
import { InvalidArgumentError } from './errors.js';
import type { CallOptions } from './options.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { presignedGet, presignedPut, type UploadBody } from './internal/presigned.js';
import { asVoid } from './internal/as-void.js';
import { utf8Text } from '../core/bytes.js';

/**
 * Options of a presigned upload.
 *
 * @example
 * obj.uploadContent(fs.createReadStream('a.bin'), { length: 1024 });
 */
export interface UploadContentOptions {
  readonly signal?: AbortSignal;
  /** Byte length of a stream body (sent as Content-Length; chunked otherwise). */
  readonly length?: number;
}

/**
 * A storage object. Every method is cold. Uploads and downloads go straight
 * to presigned URLs without auth headers, streamed, through the SDK's
 * transport, retry policy and interceptors; a download cut mid-body resumes
 * with `Range` from the last byte received.
 *
 * @example
 * const obj = await lastValueFrom(runloop.storageObject.uploadFromText('hello', 'greeting.txt'));
 * obj.downloadAsText().subscribe(console.log); // 'hello'
 */
export class StorageObject {
  /** @internal use `runloop.storageObject.*`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The object id. */
    readonly id: string,
    /** The view this handle was made from; after `create` it holds the `upload_url`. */
    readonly initial?: ObjectView,
  ) {}

  /** The presigned upload URL, known only on a handle returned by `create`. */
  get uploadUrl(): string | undefined {
    return this.initial?.upload_url ?? undefined;
  }

  /** The object's current view (GET). @example obj.getInfo().subscribe((v) => console.log(v.state)); */
  getInfo(options?: CallOptions): Observable<ObjectView> {
    return defer(() => this.ctx.api.objects.retrieve(this.id, requestOptions(options)));
  }

  /**
   * PUTs the content to the upload URL (streamed for a Readable). Call
   * {@link complete} afterwards. Emits once when stored. Retried per the
   * SDK's policy, except a bare Readable (it can be read only once): pass a
   * function that opens it to allow retries.
   *
   * @example
   * obj.uploadContent(fs.createReadStream('data.bin'), { length: size }).pipe(concatWith(obj.complete())).subscribe();
   */
  uploadContent(content: UploadBody | (() => UploadBody), options: UploadContentOptions = {}): Observable<void> {
    const url = this.uploadUrl;
    if (url === undefined) {
      return throwError(
        () => new InvalidArgumentError(`object ${this.id} has no upload URL: only a handle from create() can upload`),
      );
    }
    return presignedPut(this.ctx.transfer, url, content, options).pipe(asVoid());
  }

  /** Marks the upload complete (UPLOADING ⇒ READ_ONLY). @example obj.complete().subscribe(); */
  complete(options?: CallOptions): Observable<ObjectView> {
    return defer(() => this.ctx.api.objects.complete(this.id, requestOptions(options)));
  }

  /**
   * A presigned download URL valid for `durationSeconds` (default 3600).
   *
   * @example
   * obj.getDownloadUrl({ durationSeconds: 60 }).subscribe(({ download_url }) => console.log(download_url));
   */
  getDownloadUrl(
    params: { readonly durationSeconds?: number } = {},
    options?: CallOptions,
  ): Observable<ObjectDownloadUrlView> {
    const query = params.durationSeconds === undefined ? {} : { duration_seconds: params.durationSeconds };
    return defer(() => this.ctx.api.objects.download(this.id, query, requestOptions(options)));
  }

  /**
   * The content as byte chunks, streamed from the presigned URL (flat
   * memory). Chunks are pushed as they arrive, with no backpressure. A
   * connection lost mid-body is resumed with `Range` within the retry
   * budget; content that changed meanwhile fails with `DownloadResumeError`.
   *
   * @example
   * obj.downloadStream().subscribe((chunk) => out.write(chunk));
   */
  downloadStream(options?: CallOptions): Observable<Uint8Array> {
    return this.getDownloadUrl({}, options).pipe(
      switchMap(({ download_url }) =>
        presignedGet(this.ctx.transfer, download_url, options?.signal ? { signal: options.signal } : {}),
      ),
    );
  }

  /** The whole content as bytes. @example obj.downloadAsBytes().subscribe((b) => console.log(b.length)); */
  downloadAsBytes(options?: CallOptions): Observable<Uint8Array> {
    return this.downloadStream(options).pipe(
      reduce<Uint8Array, Uint8Array[]>((parts, chunk) => {
        parts.push(chunk);
        return parts;
      }, []),
      map((parts) => Buffer.concat(parts)),
    );
  }

  /** The whole content as UTF-8 text. @example obj.downloadAsText().subscribe(console.log); */
  downloadAsText(options?: CallOptions): Observable<string> {
    // Decoded in place: a copy of a large body costs as much as the decoding.
    return this.downloadAsBytes(options).pipe(map((bytes) => utf8Text(bytes)));
  }

  /** Deletes the object; emits once when done. @example obj.delete().subscribe(); */
  delete(options?: CallOptions): Observable<void> {
    return defer(() => this.ctx.api.objects.delete(this.id, requestOptions(options))).pipe(asVoid());
  }

  /**
   * This object as a blueprint build context.
   *
   * @example
   * runloop.blueprint.create({ name: 'app', dockerfile, buildContext: obj.asBuildContext() });
   */
  asBuildContext(): BuildContext {
    return { type: 'object', object_id: this.id };
  }
}
