/**
 * Raw storage object endpoints (runloop-api.md §12). Uploading and
 * downloading the bytes go to presigned URLs, outside this API.
 */
import type { Observable } from 'rxjs';
import type { RequestOptions } from '../../core/request.js';
import {
  ObjectDownloadUrlView,
  ObjectListView,
  ObjectView,
  type ObjectCreateParams,
  type ObjectDownloadQuery,
  type ObjectListQuery,
} from '../views/index.js';
import { ApiResource, apiPath, withOptions } from './resource.js';

/**
 * The storage object endpoints. Cold, like every resource method.
 *
 * @example
 * api.objects.create({ name: 'notes.txt', content_type: 'text' }).subscribe((o) => console.log(o.upload_url));
 */
export class Objects extends ApiResource {
  /** POST /v1/objects → the view with `upload_url` (state UPLOADING). @example api.objects.create({ name: 'a.tgz', content_type: 'tgz', ttl_ms: 3_600_000 }) */
  create(params: ObjectCreateParams, options?: RequestOptions): Observable<ObjectView> {
    return this.caller.json({ method: 'POST', path: '/v1/objects', body: params, ...withOptions(options) }, ObjectView);
  }

  /** GET /v1/objects/{id}. @example api.objects.retrieve('obj_1') */
  retrieve(id: string, options?: RequestOptions): Observable<ObjectView> {
    return this.caller.json({ method: 'GET', path: apiPath`/v1/objects/${id}`, ...withOptions(options) }, ObjectView);
  }

  /** GET /v1/objects: one page. @example api.objects.list({ state: 'READ_ONLY' }) */
  list(query: ObjectListQuery = {}, options?: RequestOptions): Observable<ObjectListView> {
    return this.caller.json({ method: 'GET', path: '/v1/objects', query, ...withOptions(options) }, ObjectListView);
  }

  /** GET /v1/objects/list_public: one page. @example api.objects.listPublic({ search: 'dataset' }) */
  listPublic(query: ObjectListQuery = {}, options?: RequestOptions): Observable<ObjectListView> {
    const path = '/v1/objects/list_public';
    return this.caller.json({ method: 'GET', path, query, ...withOptions(options) }, ObjectListView);
  }

  /** POST /v1/objects/{id}/complete: UPLOADING → READ_ONLY. @example api.objects.complete('obj_1') */
  complete(id: string, options?: RequestOptions): Observable<ObjectView> {
    const path = apiPath`/v1/objects/${id}/complete`;
    return this.caller.json({ method: 'POST', path, body: {}, ...withOptions(options) }, ObjectView);
  }

  /** GET /v1/objects/{id}/download[?duration_seconds] → a presigned URL. @example api.objects.download('obj_1', { duration_seconds: 60 }) */
  download(id: string, query: ObjectDownloadQuery = {}, options?: RequestOptions): Observable<ObjectDownloadUrlView> {
    const path = apiPath`/v1/objects/${id}/download`;
    return this.caller.json({ method: 'GET', path, query, ...withOptions(options) }, ObjectDownloadUrlView);
  }

  /** POST /v1/objects/{id}/delete → the deleted view. @example api.objects.delete('obj_1') */
  delete(id: string, options?: RequestOptions): Observable<ObjectView> {
    const path = apiPath`/v1/objects/${id}/delete`;
    return this.caller.json({ method: 'POST', path, body: {}, ...withOptions(options) }, ObjectView);
  }
}
