/**
 * The services the devbox, execution and file tests run, in server order
 * (no vitest import: the crash test's child server loads this too).
 */
import type { ServiceFactory } from '../../../src/local/context.js';
import { createService as createDevboxesService } from '../../../src/local/devboxes/index.js';
import { createService as createExecutionsService } from '../../../src/local/executions/index.js';
import { createService as createFilesService } from '../../../src/local/files/index.js';
import { createObjectsService } from '../../../src/local/objects/index.js';

/** @example startTestServer({ services: devboxServices() }) */
export function devboxServices(): ServiceFactory[] {
  return [createObjectsService, createDevboxesService, createExecutionsService, createFilesService];
}
