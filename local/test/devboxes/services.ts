/**
 * The services the devbox, execution and file tests run, in server order
 * (no vitest import: the crash test's child server loads this too).
 */
import type { ServiceFactory } from '../../src/context.js';
import { createService as createDevboxesService } from '../../src/devboxes/index.js';
import { createService as createExecutionsService } from '../../src/executions/index.js';
import { createService as createFilesService } from '../../src/files/index.js';
import { createObjectsService } from '../../src/objects/index.js';

/** @example startTestServer({ services: devboxServices() }) */
export function devboxServices(): ServiceFactory[] {
  return [createObjectsService, createDevboxesService, createExecutionsService, createFilesService];
}
