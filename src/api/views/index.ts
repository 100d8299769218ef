/**
 * Every io-ts codec of the Runloop REST API, with `t.TypeOf` types of the
 * same names. Responses decode tolerantly (open status enums); request
 * parameters decode strictly, so the server can validate with them.
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
