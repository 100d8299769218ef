/**
 * Builds the multipart body of `upload_file` (runloop-api.md §8): a text
 * field `path` and a binary part `file` with a filename.
 *
 * Platform-free: the form is the global `FormData` (the undici transport
 * copies it into undici's own), and `node:fs` is reached only for a
 * `{ filePath }` source, through `process.getBuiltinModule`, so a browser
 * bundle never sees it.
 */
import { catchError, defer, map, of, throwError, type Observable } from 'rxjs';
import { InvalidParamsError } from './errors.js';

type OpenAsBlob = (path: string) => Promise<Blob>;

/** Node's `fs.openAsBlob`, or undefined where there is no file system (browsers). */
function nodeOpenAsBlob(): OpenAsBlob | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (process?.getBuiltinModule?.('node:fs') as { openAsBlob?: OpenAsBlob } | undefined)?.openAsBlob;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * What to upload: bytes in memory, a Blob (streamed by undici), or a local
 * file, which is opened as a file-backed Blob so it is streamed, not read whole.
 *
 * @example
 * const sources: UploadSource[] = [new Uint8Array([1]), new Blob(['x']), { filePath: './a.bin' }];
 */
export type UploadSource = Blob | Uint8Array | { readonly filePath: string };

/** The filename sent with the `file` part when the remote path has none. @example uploadForm('', bytes) // part named 'upload' */
export const DEFAULT_UPLOAD_FILENAME = 'upload';

function fileName(remotePath: string): string {
  return basename(remotePath) || DEFAULT_UPLOAD_FILENAME;
}

function toForm(remotePath: string, file: Blob, name: string): FormData {
  const form = new FormData();
  form.append('path', remotePath);
  form.append('file', file, name);
  return form;
}

/**
 * The multipart form for uploading `source` to `remotePath`, built on
 * subscription (a file source is opened then; an unreadable one fails with
 * {@link InvalidParamsError}).
 *
 * @example
 * uploadForm('data/input.csv', { filePath: './input.csv' }).subscribe((form) => form.get('path')); // 'data/input.csv'
 */
export function uploadForm(remotePath: string, source: UploadSource): Observable<FormData> {
  return defer(() => {
    if (source instanceof Blob) return of(toForm(remotePath, source, fileName(remotePath)));
    if (source instanceof Uint8Array)
      return of(toForm(remotePath, new Blob([source as Uint8Array<ArrayBuffer>]), fileName(remotePath)));
    // openAsBlob only stats the file (the bytes are read when undici streams
    // the body), so there is nothing worth cancelling in this promise.
    // openAsBlob throws synchronously for a missing file; defer turns that into an error too.
    const openAsBlob = nodeOpenAsBlob();
    if (openAsBlob === undefined) {
      return throwError(
        () => new InvalidParamsError([`file.filePath: local files can be uploaded only from Node; pass a Blob`]),
      );
    }
    return defer(() => openAsBlob(source.filePath)).pipe(
      map((blob) => toForm(remotePath, blob, basename(source.filePath))),
      // Node's own message ("Unable to open file as blob") does not say which file.
      catchError((cause: unknown) =>
        throwError(
          () => new InvalidParamsError([`file.filePath: cannot open ${source.filePath} as a file`], { cause }),
        ),
      ),
    );
  });
}
