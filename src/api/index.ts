/**
 * `runloop.api`: the raw REST client. One cold Observable per endpoint,
 * decoded with the io-ts views exported here too.
 */
import type { ApiCaller } from '../core/request.js';
import { Blueprints } from './resources/blueprints.js';
import { Devboxes } from './resources/devboxes.js';
import { Objects } from './resources/objects.js';

export * from './views/index.js';
export * from './resources/index.js';
export { InvalidParamsError } from './errors.js';
export { uuidv7, isUuidv7 } from './uuidv7.js';
export { uploadForm, DEFAULT_UPLOAD_FILENAME, type UploadSource } from './upload.js';

/**
 * The raw API over one {@link ApiCaller}. Every method is cold: nothing is
 * sent until subscription, every subscription sends again, unsubscribing
 * aborts the request in flight.
 *
 * @example
 * const api = new RunloopApi(createApiCaller(config));
 * api.devboxes.retrieve('dbx_1').subscribe((d) => console.log(d.status));
 * api.devboxes.executions.kill('dbx_1', 'exe_1').subscribe();
 */
export class RunloopApi {
  readonly devboxes: Devboxes;
  readonly blueprints: Blueprints;
  readonly objects: Objects;

  constructor(readonly caller: ApiCaller) {
    this.devboxes = new Devboxes(caller);
    this.blueprints = new Blueprints(caller);
    this.objects = new Objects(caller);
  }

  /** Shortcut for `devboxes.executions`. */
  get executions(): Devboxes['executions'] {
    return this.devboxes.executions;
  }

  /** Shortcut for `devboxes.diskSnapshots`. */
  get diskSnapshots(): Devboxes['diskSnapshots'] {
    return this.devboxes.diskSnapshots;
  }
}
