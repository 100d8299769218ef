/**
 * File transfer parameters (runloop-api.md §8). Mind the naming trap:
 * read/write use `file_path`, upload/download use `path`.
 */
import * as t from 'io-ts';
import { NonEmptyPath } from './limits.js';

/**
 * Body of `read_file_contents` (path relative to the user's home).
 *
 * @example
 * ReadFileParams.is({ file_path: 'notes.txt' }); // true
 */
export const ReadFileParams = t.type({ file_path: NonEmptyPath }, 'ReadFileParams');
export type ReadFileParams = t.TypeOf<typeof ReadFileParams>;

/**
 * Body of `write_file_contents` (UTF-8 text).
 *
 * @example
 * WriteFileParams.is({ file_path: 'notes.txt', contents: 'hi' }); // true
 */
export const WriteFileParams = t.type({ file_path: NonEmptyPath, contents: t.string }, 'WriteFileParams');
export type WriteFileParams = t.TypeOf<typeof WriteFileParams>;

/**
 * Body of `download_file`.
 *
 * @example
 * DownloadFileParams.is({ path: 'archive.tar' }); // true
 */
export const DownloadFileParams = t.type({ path: NonEmptyPath }, 'DownloadFileParams');
export type DownloadFileParams = t.TypeOf<typeof DownloadFileParams>;

/**
 * The text fields of an `upload_file` multipart body (the `file` part is binary).
 *
 * @example
 * UploadFileFields.is({ path: 'data.bin' }); // true
 */
export const UploadFileFields = t.type({ path: NonEmptyPath }, 'UploadFileFields');
export type UploadFileFields = t.TypeOf<typeof UploadFileFields>;
