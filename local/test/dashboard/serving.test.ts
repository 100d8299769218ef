import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ runtimeMode: 'none' });
});
afterAll(async () => {
  await server.dispose();
});

describe('the dashboard is served at /', () => {
  it('the page loads without the token, under a same-origin-only CSP with nothing inline', async () => {
    const res = await fetch(`${server.url}/?token=ignored-by-the-server`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    // Only external scripts and styles: no inline <script> body, no style attribute.
    expect(html).toMatch(/<script type="module" src="\/dashboard\/app\.js"><\/script>/);
    expect(html).not.toMatch(/<script>[^<]/);
    expect(html).not.toMatch(/style="/);
  });

  it('serves the bundled script and the stylesheet', async () => {
    const js = await fetch(`${server.url}/dashboard/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const text = await js.text();
    expect(text.length).toBeGreaterThan(10_000);
    // The SDK's browser entry is inside, with no Node built-in left in it.
    expect(text).not.toMatch(/from\s*["']node:/);
    expect(text).not.toMatch(/from\s*["']undici["']/);
    const css = await fetch(`${server.url}/dashboard/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await fetch(`${server.url}/dashboard/app.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('the API still needs the token, and unknown paths are still JSON 404s', async () => {
    const api = await fetch(`${server.url}/v1/devboxes`);
    expect(api.status).toBe(401);
    const missing = await fetch(`${server.url}/dashboard/secret.txt`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    // Only GET/HEAD are the page's: a POST to / is routed (and refused) as before.
    const post = await fetch(`${server.url}/`, { method: 'POST' });
    expect(post.status).not.toBe(200);
  });
});
