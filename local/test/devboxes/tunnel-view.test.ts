import { describe, expect, it } from 'vitest';
import { createService as createTunnelsService } from '../../src/tunnels/index.js';
import { startTestServer } from '../../../test/support/local-server.js';
import { waitDevbox } from './helpers.js';
import { devboxServices } from './services.js';

describe('DevboxView.tunnel', () => {
  it('provisions the tunnel asked for at create and shows it in the view', async () => {
    const server = await startTestServer({ services: [...devboxServices(), createTunnelsService] });
    try {
      const created = await server.request('POST', '/v1/devboxes', { tunnel: { auth_mode: 'open' } });
      expect(created.status, created.text).toBe(200);
      const running = await waitDevbox(server, created.json.id, ['running', 'failure']);
      expect(running.tunnel).toMatchObject({ auth_mode: 'open', tunnel_key: expect.any(String) });
      const plain = await server.request('POST', '/v1/devboxes', {});
      expect(plain.json.tunnel).toBeNull();
      await server.request('POST', `/v1/devboxes/${created.json.id}/shutdown`);
      await server.request('POST', `/v1/devboxes/${plain.json.id}/shutdown`);
    } finally {
      await server.dispose();
    }
  });
});
