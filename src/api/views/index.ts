/**
 * Every io-ts codec of the Runloop REST API, with `t.TypeOf` types of the
 * same names. Responses decode tolerantly (open status enums); request
 * parameters decode strictly, so the server can validate with them.
 *
 * Published as the subpath `runloop-rx/views`: for runloop-local (which
 * validates requests with these codecs) and for advanced users who decode
 * raw responses themselves. SDK users do not need it.
 *
 * @example
 * import { DevboxView } from 'runloop-rx/views';
 * const decoded = DevboxView.decode(JSON.parse(body)); // an fp-ts Either
 */
export * from './shared.js';
export * from './list.js';
export * from './report.js';
export * from './launch.js';
export * from './mount.js';
export * from './net.js';
export * from './devbox.js';
export * from './execution.js';
export * from './file.js';
export * from './disk-snapshot.js';
export * from './blueprint.js';
export * from './object.js';
