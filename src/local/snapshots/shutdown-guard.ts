/**
 * Refuses `POST /v1/devboxes/:id/shutdown` with 409 while a disk snapshot
 * of that devbox is being captured, unless `force=true` (runloop-api.md §6).
 * A pre-routing hook because the devboxes area offers no shutdown guard yet;
 * unauthenticated requests pass through so the router answers them 401.
 */
import { isAuthorized } from '../http/handler.js';
import type { AnyRequest, AnyResponse } from '../http/listener.js';
import { writeJson } from '../http/reply.js';

const SHUTDOWN_PATH = /^\/v1\/devboxes\/([^/?]+)\/shutdown\/?(?:\?(.*))?$/;

/**
 * Builds the interceptor.
 *
 * @example
 * interceptRequest: shutdownGuard((id) => snapshots.isCapturing(id), ctx.config.token),
 */
export function shutdownGuard(isCapturing: (devboxId: string) => boolean, token: string): (req: AnyRequest, res: AnyResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const match = SHUTDOWN_PATH.exec(req.url ?? '');
    if (!match) return false;
    const id = decodeURIComponent(match[1]!);
    if (!isCapturing(id)) return false;
    if (new URLSearchParams(match[2] ?? '').get('force') === 'true') return false;
    if (!isAuthorized(req.headers.authorization, token)) return false;
    req.resume();
    writeJson(
      res,
      409,
      { error: 'snapshot_in_progress', message: `devbox ${id} has a disk snapshot in progress; retry later or pass force=true` },
      { 'x-should-retry': 'false' },
    );
    return true;
  };
}
