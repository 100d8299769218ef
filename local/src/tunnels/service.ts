/**
 * Tunnels (runloop-api.md §9): one per devbox, addressed by a random
 * `tunnel_key`, open or token-authenticated. Requests reach the server's
 * own port (see target.ts for the two addressings) and are proxied to
 * `handle.connect(port)` inside the devbox; removing the tunnel (or the
 * devbox ending) closes every connection it carries.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import type { EnableTunnelParams, TunnelView } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';
import {
  isDomainError,
  NotFoundError,
  UnauthenticatedError,
  UnavailableError,
  UpstreamError,
  WrongStateError,
} from '../errors.js';
import { clip } from '../http/clip.js';
import { toErrorReply, type ErrorReply } from '../http/errors.js';
import { writeJson } from '../http/reply.js';
import * as t from 'io-ts';
import { nullable } from '../store/codecs.js';
import type { Collection } from '../store/collection.js';
import { proxyHttp, proxyUpgrade } from './proxy.js';
import { tunnelTarget, type TunnelTarget } from './target.js';

/** A tunnel that cannot be reached answers like the API; anything unexpected is the devbox side failing (502). */
function tunnelErrorReply(error: unknown): ErrorReply {
  return toErrorReply(isDomainError(error) ? error : new UpstreamError(String(error)));
}

/**
 * The stored tunnel of a devbox (`id` = the devbox id).
 *
 * @example
 * const record: TunnelRecord | undefined = tunnels.records.get('dbx_1');
 * if (record) toTunnelView(record);
 */
export interface TunnelRecord {
  readonly id: string;
  readonly tunnel_key: string;
  readonly auth_mode: 'open' | 'authenticated';
  readonly auth_token: string | null;
  readonly http_keep_alive: boolean;
  readonly wake_on_http: boolean;
  readonly create_time_ms: number;
}

/** How long a `wake_on_http` request waits for its devbox to resume. */
/** Decodes a stored {@link TunnelRecord}. */
const TunnelRecordCodec: t.Decoder<unknown, TunnelRecord> = t.type({
  id: t.string,
  tunnel_key: t.string,
  auth_mode: t.keyof({ open: null, authenticated: null }),
  auth_token: nullable(t.string),
  http_keep_alive: t.boolean,
  wake_on_http: t.boolean,
  create_time_ms: t.number,
});

const WAKE_TIMEOUT_MS = 30_000;

/**
 * The header an authenticated tunnel requires: `Bearer <auth_token>`.
 *
 * @example
 * fetch(url, { headers: { [TUNNEL_AUTH_HEADER]: `Bearer ${tunnel.auth_token}` } });
 */
export const TUNNEL_AUTH_HEADER = 'x-runloop-tunnel-authorization';

/**
 * The tunnels of one server.
 *
 * @example
 * const view = tunnels.enable('dbx_1', { auth_mode: 'authenticated' });
 * // GET http://8080-<view.tunnel_key>.tunnel.localhost:<port>/ with X-Runloop-Tunnel-Authorization: Bearer <view.auth_token>
 */
export class TunnelService {
  readonly records: Collection<TunnelRecord>;
  /** Devbox id → open proxied connections (closed when the tunnel goes). */
  readonly #open = new Map<string, Set<{ destroy(): void }>>();

  constructor(private readonly ctx: ServerContext) {
    this.records = ctx.store.collection<TunnelRecord>('tunnels', {
      codec: TunnelRecordCodec,
      createdAt: (record) => record.create_time_ms,
      indexes: { tunnel_key: (record) => record.tunnel_key },
    });
  }

  /** Enables the devbox's tunnel (returns the existing one if already enabled). */
  enable(devboxId: string, params: EnableTunnelParams): TunnelView {
    const devbox = this.ctx.services.devboxes.get(devboxId);
    if (devbox.status === 'shutdown' || devbox.status === 'failure') {
      throw new WrongStateError(`devbox ${devboxId} is ${devbox.status}; a tunnel needs a live devbox`);
    }
    const existing = this.records.get(devboxId);
    if (existing !== undefined) return toTunnelView(existing);
    const authenticated = params.auth_mode === 'authenticated';
    const record: TunnelRecord = {
      id: devboxId,
      tunnel_key: randomBytes(12).toString('hex'),
      auth_mode: authenticated ? 'authenticated' : 'open',
      auth_token: authenticated ? randomBytes(24).toString('base64url') : null,
      http_keep_alive: params.http_keep_alive ?? true,
      wake_on_http: params.wake_on_http ?? false,
      create_time_ms: this.ctx.now(),
    };
    this.records.put(record);
    return toTunnelView(record);
  }

  /** Removes the devbox's tunnel and closes its connections (no tunnel: no-op). */
  remove(devboxId: string): void {
    this.ctx.services.devboxes.get(devboxId);
    this.#drop(devboxId);
  }

  /** The tunnel of a devbox as `DevboxView.tunnel` shows it, or null. */
  viewOf(devboxId: string): TunnelView | null {
    const record = this.records.get(devboxId);
    return record === undefined ? null : toTunnelView(record);
  }

  /** A devbox ended: its tunnel goes with it. */
  devboxEnded(devboxId: string): void {
    this.#drop(devboxId);
  }

  /** Pre-routing hook: takes requests addressed to a tunnel. */
  intercept(req: IncomingMessage, res: ServerResponse): boolean {
    const target = tunnelTarget(hostOf(req), req.url ?? '/');
    if (target === undefined) return false;
    void this.#open_(req, target).then(
      ({ devboxId, socket }) => {
        this.#track(devboxId, socket);
        // Over h2c only this request's stream may go, never the client's whole session.
        const stream = (res as unknown as { stream?: { destroy(): void; once(e: 'close', l: () => void): unknown } })
          .stream;
        this.#track(devboxId, stream ?? res.socket ?? { destroy: () => res.destroy() });
        proxyHttp(req, res, socket, `localhost:${target.port}`, target.path);
      },
      (error: unknown) => {
        req.resume();
        const e = tunnelErrorReply(error);
        writeJson(res, e.status, e.body, { ...e.headers, 'x-should-retry': 'false' });
      },
    );
    return true;
  }

  /** Upgrade hook: takes WebSocket (and other Upgrade) requests addressed to a tunnel. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const target = tunnelTarget(hostOf(req), req.url ?? '/');
    if (target === undefined) return false;
    void this.#open_(req, target).then(
      ({ devboxId, socket: upstream }) => {
        this.#track(devboxId, upstream);
        this.#track(devboxId, socket);
        proxyUpgrade(req, socket, head, upstream, `localhost:${target.port}`, target.path);
      },
      (error: unknown) => {
        const e = tunnelErrorReply(error);
        const body = JSON.stringify(e.body);
        socket.end(
          `HTTP/1.1 ${e.status} Tunnel Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      },
    );
    return true;
  }

  /** Closes every proxied connection (server stop). */
  close(): void {
    for (const id of [...this.#open.keys()]) this.#closeConnections(id);
  }

  async #open_(
    req: IncomingMessage,
    target: TunnelTarget,
  ): Promise<{ devboxId: string; socket: import('node:net').Socket }> {
    const record = this.records.list({ where: { tunnel_key: target.tunnelKey }, limit: 1, includeTotalCount: false })
      .items[0];
    if (record === undefined)
      throw new NotFoundError('tunnel', target.tunnelKey, {
        code: 'tunnel_not_found',
        message: `no tunnel has key ${clip(target.tunnelKey)}`,
      });
    if (
      record.auth_mode === 'authenticated' &&
      !tokenMatches(req.headers[TUNNEL_AUTH_HEADER], record.auth_token ?? '')
    ) {
      throw new UnauthenticatedError(
        `this tunnel needs the header X-Runloop-Tunnel-Authorization: Bearer <auth_token>`,
      );
    }
    if (record.wake_on_http) await this.#wake(record.id);
    const handle = this.ctx.services.devboxes.handle(record.id);
    const status = this.ctx.services.devboxes.records.get(record.id)?.status;
    if (handle === undefined || status !== 'running') {
      throw new UnavailableError(
        'devbox_not_running',
        `devbox ${record.id} is ${status ?? 'gone'}; the tunnel reaches running devboxes only`,
      );
    }
    this.ctx.services.devboxes.touch(record.id);
    try {
      return { devboxId: record.id, socket: await handle.connect(target.port) };
    } catch (error) {
      throw new UpstreamError(
        `nothing answers on port ${target.port} inside devbox ${record.id}: ${(error as Error).message}`,
      );
    }
  }

  /** `wake_on_http`: a request to a suspended devbox resumes it and waits (≤ 30 s) until it runs. */
  async #wake(devboxId: string): Promise<void> {
    const devboxes = this.ctx.services.devboxes;
    const status = devboxes.records.get(devboxId)?.status;
    if (status !== 'suspended' && status !== 'resuming') return;
    // Listen before resuming so the `running` change cannot be missed.
    const settled = firstValueFrom(
      devboxes.changes$.pipe(
        filter((r) => r.id === devboxId && ['running', 'failure', 'shutdown'].includes(r.status)),
        take(1),
        timeout({ first: WAKE_TIMEOUT_MS }),
      ),
    ).catch(() => undefined);
    if (status === 'suspended') await devboxes.resume(devboxId).catch(() => undefined);
    if (devboxes.records.get(devboxId)?.status !== 'running') await settled;
  }

  #track(
    devboxId: string,
    connection: { destroy(): void; once?(event: 'close', listener: () => void): unknown },
  ): void {
    let set = this.#open.get(devboxId);
    if (set === undefined) {
      set = new Set();
      this.#open.set(devboxId, set);
    }
    set.add(connection);
    connection.once?.('close', () => set.delete(connection));
  }

  #drop(devboxId: string): void {
    this.records.delete(devboxId);
    this.#closeConnections(devboxId);
  }

  #closeConnections(devboxId: string): void {
    const set = this.#open.get(devboxId);
    this.#open.delete(devboxId);
    for (const connection of set ?? []) connection.destroy();
  }
}

function hostOf(req: IncomingMessage): string | undefined {
  const headers = req.headers as Record<string, string | string[] | undefined>;
  const host = headers[':authority'] ?? headers.host;
  return Array.isArray(host) ? host[0] : host;
}

function tokenMatches(header: string | string[] | undefined, token: string): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const given = /^Bearer\s+(.+)$/i.exec(value?.trim() ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return token !== '' && a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The API view of a tunnel record (`auth_token` only when authenticated).
 *
 * @example
 * toTunnelView(record).tunnel_key;
 */
export function toTunnelView(record: TunnelRecord): TunnelView {
  return {
    auth_mode: record.auth_mode,
    create_time_ms: record.create_time_ms,
    http_keep_alive: record.http_keep_alive,
    tunnel_key: record.tunnel_key,
    wake_on_http: record.wake_on_http,
    ...(record.auth_token !== null ? { auth_token: record.auth_token } : {}),
  };
}
