/** The raw REST resources, one per file. */
export { ApiResource, LONG_POLL_TIMEOUT_MS, apiPath, longPollOptions } from './resource.js';
export { Devboxes, type ExecuteRequest, type ShutdownRequest, type UploadFileRequest } from './devboxes.js';
export { Executions, type ExecutionWaitRequest } from './executions.js';
export { DiskSnapshots, type SnapshotListRequest } from './disk-snapshots.js';
export { Blueprints, MAX_FILE_MOUNTS_TOTAL_BYTES, MAX_FILE_MOUNT_BYTES, fileMountProblems } from './blueprints.js';
export { Objects } from './objects.js';
