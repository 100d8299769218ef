import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceFactory } from '../../src/context.js';
import type { DevboxService } from '../../src/devboxes/service.js';
import { HttpError } from '../../src/http/route.js';
import type { TestServer } from '../../../test/support/local-server.js';
import { startTestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, waitDevbox } from './helpers.js';
import { devboxServices } from './services.js';

describe('hooks for blueprints and snapshots', () => {
  let server: TestServer;
  let layerDir: string;
  const guarded = new Set<string>();
  let service: DevboxService | undefined;
  beforeAll(async () => {
    layerDir = await mkdtemp(join(tmpdir(), 'rl-layer-'));
    await mkdir(join(layerDir, 'opt', 'tool'), { recursive: true });
    await writeFile(join(layerDir, 'opt', 'tool', 'VERSION'), 'from-layer\n');
    // A stand-in for the snapshots area: resolves `snp_test`, guards shutdowns.
    const plugin: ServiceFactory = (ctx) => ({
      name: 'test-plugin',
      routes: () => [],
      start: async () => {
        const devboxes = ctx.services.devboxes;
        service = devboxes;
        devboxes.registerLayerResolver(async (params) => {
          if (params.snapshot_id === undefined || params.snapshot_id === null) return undefined;
          if (params.snapshot_id !== 'snp_test')
            throw new HttpError(404, 'not_found', `snapshot ${params.snapshot_id} does not exist`);
          return {
            layers: [layerDir],
            snapshot_id: 'snp_test',
            environment_variables: { FROM: 'layer', BOTH: 'layer' },
          };
        });
        devboxes.registerShutdownGuard((id) => (guarded.has(id) ? 'a snapshot is in progress' : undefined));
      },
    });
    server = await startTestServer({ services: [...devboxServices(), plugin] });
  });
  afterAll(async () => {
    await server?.dispose();
    await rm(layerDir, { recursive: true, force: true });
  });

  it('boots from resolved layers with inherited environment (the request wins)', async () => {
    const box = await createRunning(server, { snapshot_id: 'snp_test', environment_variables: { BOTH: 'request' } });
    expect(box.snapshot_id).toBe('snp_test');
    const out = await exec(server, box.id, 'cat /opt/tool/VERSION; echo "$FROM $BOTH"');
    expect(out.stdout).toBe('from-layer\nlayer request\n');
    const missing = await server.request('POST', '/v1/devboxes', { snapshot_id: 'snp_other' });
    expect(missing.status).toBe(404);
    await server.request('POST', `/v1/devboxes/${box.id}/shutdown`);
  });

  it('lets a guard refuse a shutdown unless forced', async () => {
    const box = await createRunning(server);
    guarded.add(box.id);
    const refused = await server.request('POST', `/v1/devboxes/${box.id}/shutdown`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.json.message).toMatch(/snapshot/);
    const forced = await server.request('POST', `/v1/devboxes/${box.id}/shutdown?force=true`);
    expect(forced.json.status).toBe('shutdown');
    expect((await waitDevbox(server, box.id, ['shutdown'])).status).toBe('shutdown');
  });

  it('marks a devbox whose init process dies as failed, and its running execution completed', async () => {
    const box = await createRunning(server);
    const started = await server.request('POST', `/v1/devboxes/${box.id}/execute_async`, { command: 'sleep 300' });
    const { handle } = service!.requireRunning(box.id);
    process.kill(handle.pid, 'SIGKILL');
    const failed = await waitDevbox(server, box.id, ['failure', 'shutdown']);
    expect(failed).toMatchObject({ status: 'failure', failure_reason: 'execution_failed' });
    const done = await server.request(
      'POST',
      `/v1/devboxes/${box.id}/executions/${started.json.execution_id}/wait_for_status`,
      { statuses: ['completed'] },
    );
    expect(done.json.status).toBe('completed');
    expect(done.json.exit_status).not.toBe(0);
  });
});
