import { createReadStream, stat } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { Observable, defer, last, map, switchMap } from 'rxjs';
import type { ObjectContentTypeStrict, ObjectStateStrict, ObjectView } from '../../api/views/object.js';
import { abortOn } from '../../core/abort.js';
import { utf8Length, utf8Pieces } from '../../core/bytes.js';
import type { PageQuery } from '../../api/views/shared.js';
import { listItems } from '../internal/list-items.js';
import type { CallOptions, ListOptions } from '../options.js';
import { StorageObject } from '../storage-object.js';
import { buildContextStream, type BuildContextOptions } from '../build-context.js';
import { inferContentType } from '../internal/content-type.js';
import { requestOptions, unabortableRequestOptions, type SdkContext } from '../internal/context.js';
import { startThenUse } from '../internal/lifecycle.js';
import type { UploadBody } from '../internal/presigned.js';
import { definedFields } from '../internal/defined-fields.js';
import { objectCreateToWire, type SdkObjectCreateParams } from '../params/storage-object.js';

/**
 * What `runloop.storageObject.list` reads: filters (`name` matches
 * partially, `search` an id or a name), the total `limit` and the `pageSize`.
 *
 * @example
 * const params: ObjectListParams = { contentType: 'tgz', state: 'READ_ONLY', limit: 10 };
 */
export interface ObjectListParams extends ListOptions {
  readonly contentType?: ObjectContentTypeStrict;
  readonly name?: string;
  readonly search?: string;
  readonly state?: ObjectStateStrict;
}

/**
 * Extra fields of an upload helper's object.
 *
 * @example
 * runloop.storageObject.uploadFromText('hi', 'hi.txt', { metadata: { team: 'a' }, ttlMs: 60_000 });
 */
export interface UploadObjectOptions extends CallOptions {
  readonly metadata?: Readonly<Record<string, string>> | null;
  /** Delete automatically this long after creation. */
  readonly ttlMs?: number | null;
}

/**
 * Options of `uploadFromFile`.
 *
 * @example
 * runloop.storageObject.uploadFromFile('./data.out', 'data.out', { contentType: 'binary' });
 */
export interface UploadFileOptions extends UploadObjectOptions {
  /** Overrides the type inferred from the file name. */
  readonly contentType?: ObjectContentTypeStrict;
}

/**
 * Options of `uploadFromDir`: object fields plus the build-context ignore rules.
 *
 * @example
 * runloop.storageObject.uploadFromDir('./app', { name: 'app.tgz', ignore: ['*.log'] });
 */
export interface UploadDirOptions extends UploadObjectOptions, BuildContextOptions {}

/**
 * Bytes per read of an uploaded file: with the default 64 KiB, reading 20 MB
 * costs ~5× more (one thread-pool round trip per chunk) than with 1 MiB, and
 * at most a chunk or two is held at a time either way.
 */
const FILE_READ_CHUNK_BYTES = 1024 * 1024;

/**
 * `runloop.storageObject`: create, find, list and upload objects. Every
 * method is cold. An upload helper runs create ⇒ PUT (streamed) ⇒ complete;
 * if it fails or is cancelled before completing, the half-made object is
 * deleted.
 *
 * @example
 * runloop.storageObject.uploadFromFile('./report.csv').subscribe((obj) => console.log(obj.id));
 */
export class StorageObjectOps {
  /** @internal */
  constructor(private readonly ctx: SdkContext) {}

  /**
   * Creates an object (state UPLOADING); the handle carries the upload URL.
   *
   * @example
   * runloop.storageObject.create({ name: 'data.bin', contentType: 'binary' }).subscribe((o) => console.log(o.uploadUrl));
   */
  create(params: SdkObjectCreateParams, options?: CallOptions): Observable<StorageObject> {
    return defer(() => this.ctx.api.objects.create(objectCreateToWire(params), requestOptions(options))).pipe(
      map((view) => new StorageObject(this.ctx, view.id, view)),
    );
  }

  /** An existing object (GET, so a wrong id fails with NotFoundError). @example runloop.storageObject.fromId('obj_1').subscribe(); */
  fromId(id: string, options?: CallOptions): Observable<StorageObject> {
    return defer(() => this.ctx.api.objects.retrieve(id, requestOptions(options))).pipe(
      map((view) => new StorageObject(this.ctx, view.id, view)),
    );
  }

  /**
   * Objects matching `params`, at most `limit` in all, page after page
   * (`pageSize` each), fetched lazily as you consume.
   *
   * @example
   * runloop.storageObject.list({ contentType: 'tgz', limit: 10 }).subscribe((o) => console.log(o.id));
   */
  list(params: ObjectListParams = {}, options?: CallOptions): Observable<StorageObject> {
    const { contentType, name, search, state } = params;
    const filters = definedFields({ content_type: contentType, name, search, state });
    const fetchPage = (page: PageQuery) => this.ctx.api.objects.list({ ...page, ...filters }, requestOptions(options));
    return listItems(fetchPage, 'objects', params).pipe(map((view) => new StorageObject(this.ctx, view.id, view)));
  }

  /**
   * Uploads a local file, streamed, with its content type inferred from the name.
   *
   * @example
   * runloop.storageObject.uploadFromFile('./project.tar.gz', 'project.tar.gz').subscribe();
   */
  uploadFromFile(
    filePath: string,
    name: string = basename(filePath),
    options: UploadFileOptions = {},
  ): Observable<StorageObject> {
    return fileSize(filePath).pipe(
      switchMap((size) =>
        this.#upload(
          { name, contentType: options.contentType ?? inferContentType(filePath), ...objectFields(options) },
          () => createReadStream(filePath, { highWaterMark: FILE_READ_CHUNK_BYTES }),
          size,
          options,
        ),
      ),
    );
  }

  /** Uploads text as a `text` object. @example runloop.storageObject.uploadFromText('hi', 'hi.txt').subscribe(); */
  uploadFromText(text: string, name: string, options: UploadObjectOptions = {}): Observable<StorageObject> {
    // Encoded piece by piece as it is sent (each attempt anew): see utf8Pieces.
    return this.#upload(
      { name, contentType: 'text', ...objectFields(options) },
      () => Readable.from(utf8Pieces(text), { objectMode: false }),
      utf8Length(text),
      options,
    );
  }

  /**
   * Uploads bytes with the given content type.
   *
   * @example
   * runloop.storageObject.uploadFromBytes(new Uint8Array([1, 2]), 'a.bin', 'binary').subscribe();
   */
  uploadFromBytes(
    bytes: Uint8Array,
    name: string,
    contentType: ObjectContentTypeStrict,
    options: UploadObjectOptions = {},
  ): Observable<StorageObject> {
    return this.#upload({ name, contentType, ...objectFields(options) }, () => bytes, bytes.length, options);
  }

  /** Alias of {@link uploadFromBytes}, the official client's name. @example runloop.storageObject.uploadFromBuffer(buf, 'a.bin', 'binary'); */
  uploadFromBuffer(
    bytes: Uint8Array,
    name: string,
    contentType: ObjectContentTypeStrict,
    options: UploadObjectOptions = {},
  ): Observable<StorageObject> {
    return this.uploadFromBytes(bytes, name, contentType, options);
  }

  /**
   * Packs a directory as a tgz (honouring `.dockerignore`, streamed as it is
   * walked) and uploads it.
   *
   * @example
   * runloop.storageObject.uploadFromDir('./my-app', { name: 'my-app.tgz', ttlMs: 3_600_000 }).subscribe();
   */
  uploadFromDir(directory: string, options: UploadDirOptions & { readonly name: string }): Observable<StorageObject> {
    const { ignore, ignoreFile } = options;
    const contextOptions: BuildContextOptions = definedFields({ ignore, ignoreFile });
    return this.#upload(
      { name: options.name, contentType: 'tgz', ...objectFields(options) },
      () => buildContextStream(directory, contextOptions),
      undefined,
      options,
    );
  }

  #upload(
    params: SdkObjectCreateParams,
    body: () => UploadBody,
    length: number | undefined,
    options: CallOptions,
  ): Observable<StorageObject> {
    const request = unabortableRequestOptions(options);
    return startThenUse<ObjectView, ObjectView>(this.ctx, {
      start$: defer(() => this.ctx.api.objects.create(objectCreateToWire(params), request)),
      use: (view) => {
        const object = new StorageObject(this.ctx, view.id, view);
        return object.uploadContent(body, length === undefined ? {} : { length }).pipe(
          last(),
          switchMap(() => object.complete(request)),
        );
      },
      // Deletes the object if the upload fails or is left before the completed view.
      cleanUp: { action: 'delete', id: (view) => view.id, request: (view) => this.ctx.api.objects.delete(view.id) },
      keep: 'untilDelivered',
    }).pipe(
      map((view) => new StorageObject(this.ctx, view.id, view)),
      abortOn(options.signal),
    );
  }
}

function objectFields(options: UploadObjectOptions): Pick<SdkObjectCreateParams, 'metadata' | 'ttlMs'> {
  return definedFields({ metadata: options.metadata, ttlMs: options.ttlMs });
}

/** The size of a file, as a cold Observable (fs.stat's callback cannot be cancelled, only ignored). */
function fileSize(filePath: string): Observable<number> {
  return new Observable<number>((subscriber) => {
    stat(filePath, (err, stats) => {
      if (err) subscriber.error(err);
      else {
        subscriber.next(stats.size);
        subscriber.complete();
      }
    });
  });
}
