/**
 * Serves the dashboard: `GET /` (the page) and `GET /dashboard/app.{js,css}`.
 * The files are public (they hold no data); every API call the page makes
 * carries the server's bearer token, which the user brings (see README).
 *
 * Taken before routing (`interceptRequest`) because the answer needs its own
 * headers: a Content-Security-Policy that allows only same-origin scripts,
 * styles and requests, no inline script or style, no framing.
 */
import type { ServiceFactory } from '../context.js';
import type { AnyRequest, AnyResponse } from '../http/index.js';
import { dashboardAssets, type DashboardAsset } from './assets.js';

/**
 * The page's Content-Security-Policy: same origin only, nothing inline, no eval, no frames.
 *
 * @example
 * res.setHeader('content-security-policy', DASHBOARD_CSP);
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PATHS: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/dashboard/app.js': 'app.js',
  '/dashboard/app.css': 'app.css',
};

function send(req: AnyRequest, res: AnyResponse, asset: DashboardAsset): void {
  res.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': String(asset.body.length),
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // The token may sit in the page's URL once: never cache the page or its script.
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else res.end(asset.body);
}

function fail(res: AnyResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({
    error: 'dashboard_unavailable',
    message: `the dashboard could not be loaded: ${String(error)}`,
  });
  res.writeHead(500, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/**
 * The dashboard service: no API routes, just the static page.
 *
 * @example
 * startLocalServer({ services: [...DEFAULT_SERVICES] }); // DEFAULT_SERVICES ends with createDashboardService
 */
export const createDashboardService: ServiceFactory = (ctx) => ({
  name: 'dashboard',
  routes: () => [],
  interceptRequest: (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const name = PATHS[path];
    if (name === undefined) return false;
    dashboardAssets().then(
      (assets) => {
        const asset = assets.get(name);
        if (asset === undefined) fail(res, new Error(`missing ${name}`));
        else send(req, res, asset);
      },
      (error: unknown) => {
        ctx.log.error('dashboard assets failed to load', { error: String(error) });
        fail(res, error);
      },
    );
    return true;
  },
});
