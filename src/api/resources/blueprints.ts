/**
 * Raw blueprint endpoints (runloop-api.md §11).
 */
import { throwError, type Observable } from 'rxjs';
import type { RequestOptions } from '../../core/request.js';
import { utf8Length } from '../../core/bytes.js';
import { InvalidParamsError } from '../errors.js';
import {
  BlueprintBuildLogsView,
  BlueprintListView,
  BlueprintPreviewView,
  BlueprintView,
  Untyped,
  type BlueprintCreateParams,
  type BlueprintListQuery,
} from '../views/index.js';
import { ApiResource, apiPath, withOptions } from './resource.js';

/** Largest single `file_mounts` value, in UTF-8 bytes. @example utf8Length(content) <= MAX_FILE_MOUNT_BYTES */
export const MAX_FILE_MOUNT_BYTES = 131_000;
/** Largest total of all `file_mounts` values, in UTF-8 bytes. @example total <= MAX_FILE_MOUNTS_TOTAL_BYTES */
export const MAX_FILE_MOUNTS_TOTAL_BYTES = 1_310_000;

/**
 * The client-side checks on blueprint `file_mounts`, made before any
 * request: each value ≤ 131 000 UTF-8 bytes, all together ≤ 1 310 000.
 *
 * @example
 * fileMountProblems({ '/a': 'x'.repeat(200_000) }); // ['file_mounts./a: …']
 */
export function fileMountProblems(fileMounts: Readonly<Record<string, string>> | null | undefined): string[] {
  if (!fileMounts) return [];
  const problems: string[] = [];
  let total = 0;
  for (const [target, content] of Object.entries(fileMounts)) {
    const bytes = utf8Length(content);
    total += bytes;
    if (bytes > MAX_FILE_MOUNT_BYTES) problems.push(`file_mounts.${target}: larger than ${MAX_FILE_MOUNT_BYTES} bytes`);
  }
  if (total > MAX_FILE_MOUNTS_TOTAL_BYTES)
    problems.push(`file_mounts: larger than ${MAX_FILE_MOUNTS_TOTAL_BYTES} bytes in total`);
  return problems;
}

/**
 * The blueprint endpoints. Cold, like every resource method.
 *
 * @example
 * api.blueprints.create({ name: 'py', dockerfile: 'FROM ubuntu:24.04' }).subscribe((b) => console.log(b.status));
 */
export class Blueprints extends ApiResource {
  /**
   * POST /v1/blueprints. Oversized `file_mounts` fail with
   * {@link InvalidParamsError} on subscription, without a request.
   *
   * @example
   * api.blueprints.create({ name: 'py', build_context: { type: 'object', object_id: 'obj_1' } })
   */
  create(params: BlueprintCreateParams, options?: RequestOptions): Observable<BlueprintView> {
    return this.#checked(params, () =>
      this.caller.json(
        { method: 'POST', path: '/v1/blueprints', body: params, ...withOptions(options) },
        BlueprintView,
      ),
    );
  }

  /** GET /v1/blueprints/{id}. @example api.blueprints.retrieve('bpt_1') */
  retrieve(id: string, options?: RequestOptions): Observable<BlueprintView> {
    return this.caller.json(
      { method: 'GET', path: apiPath`/v1/blueprints/${id}`, ...withOptions(options) },
      BlueprintView,
    );
  }

  /** GET /v1/blueprints: one page. @example api.blueprints.list({ name: 'py' }) */
  list(query: BlueprintListQuery = {}, options?: RequestOptions): Observable<BlueprintListView> {
    return this.caller.json(
      { method: 'GET', path: '/v1/blueprints', query, ...withOptions(options) },
      BlueprintListView,
    );
  }

  /** GET /v1/blueprints/list_public: one page. @example api.blueprints.listPublic({ limit: 5 }) */
  listPublic(query: BlueprintListQuery = {}, options?: RequestOptions): Observable<BlueprintListView> {
    const path = '/v1/blueprints/list_public';
    return this.caller.json({ method: 'GET', path, query, ...withOptions(options) }, BlueprintListView);
  }

  /** GET /v1/blueprints/{id}/logs. @example api.blueprints.logs('bpt_1') */
  logs(id: string, options?: RequestOptions): Observable<BlueprintBuildLogsView> {
    const path = apiPath`/v1/blueprints/${id}/logs`;
    return this.caller.json({ method: 'GET', path, ...withOptions(options) }, BlueprintBuildLogsView);
  }

  /** POST /v1/blueprints/{id}/delete. @example api.blueprints.delete('bpt_1') */
  delete(id: string, options?: RequestOptions): Observable<unknown> {
    return this.caller.json(
      { method: 'POST', path: apiPath`/v1/blueprints/${id}/delete`, ...withOptions(options) },
      Untyped,
    );
  }

  /** POST /v1/blueprints/preview (deprecated): the Dockerfile a create would build. @example api.blueprints.preview({ name: 'py' }) */
  preview(params: BlueprintCreateParams, options?: RequestOptions): Observable<BlueprintPreviewView> {
    return this.#checked(params, () =>
      this.caller.json(
        { method: 'POST', path: '/v1/blueprints/preview', body: params, ...withOptions(options) },
        BlueprintPreviewView,
      ),
    );
  }

  #checked<T>(params: BlueprintCreateParams, send: () => Observable<T>): Observable<T> {
    const problems = fileMountProblems(params.file_mounts);
    return problems.length > 0 ? throwError(() => new InvalidParamsError(problems)) : send();
  }
}
