/**
 * De-duplication of non-GET requests by `x-request-id` (the official client
 * sends one per call and reuses it on every retry). The first successful
 * JSON reply that reached the client is stored durably and replayed; a
 * duplicate that arrives while the first is still running waits for it.
 * Only 2xx JSON replies are kept: an error may be transient, and a retry
 * must get a fresh chance.
 *
 * The replies live in their own database, `<dataDir>/idempotency.db`, with
 * `synchronous=NORMAL`: in WAL mode that survives a killed server (the OS
 * keeps the writes) without an fsync per POST, which would block the event
 * loop for milliseconds on every call. Only a power loss can drop the last
 * few replies, and the resources themselves stay in the fully synced store.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HttpError, type Reply } from './route.js';

/**
 * How long a stored reply stays replayable.
 *
 * @example
 * new Idempotency(dataDir, Date.now, IDEMPOTENCY_TTL_MS)
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** A stored reply, ready to send again. */
interface StoredReply {
  readonly fingerprint: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

interface Row {
  fingerprint: string;
  status: number;
  headers: string;
  body: string;
  expires_ms: number;
}

/**
 * Identifies one logical call.
 *
 * @example
 * const key: IdempotencyKey = { token, method: 'POST', path: '/v1/objects', requestId: 'stainless-node-retry-…' };
 */
export interface IdempotencyKey {
  readonly token: string;
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The request fingerprint: a retry must carry the same query and body.
 *
 * @example
 * fingerprintOf('limit=1', { name: 'a' })
 */
export function fingerprintOf(query: string, body: unknown): string {
  return sha256(`${query}\n${JSON.stringify(body ?? null)}`);
}

/**
 * The idempotency table plus the calls in flight in this process.
 *
 * @example
 * await idempotency.run(key, fingerprint, () => handler(ctx), (reply) => deliver(res, reply, signal));
 */
export class Idempotency {
  private readonly inFlight = new Map<string, { fingerprint: string; done: Promise<unknown> }>();
  private readonly db: Database.Database;
  private readonly select;
  private readonly insert;
  private readonly purge;

  /**
   * Opens (creating) `<dataDir>/idempotency.db`.
   *
   * @example
   * const idempotency = new Idempotency(dataDir, Date.now);
   */
  constructor(
    dataDir: string,
    private readonly now: () => number,
    private readonly ttlMs = IDEMPOTENCY_TTL_MS,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'idempotency.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS replies (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      status INTEGER NOT NULL,
      headers TEXT NOT NULL,
      body TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS replies_expires ON replies (expires_ms);`);
    this.select = this.db.prepare<[string], Row>(
      'SELECT fingerprint, status, headers, body, expires_ms FROM replies WHERE key = ?',
    );
    this.insert = this.db.prepare(
      'INSERT OR REPLACE INTO replies (key, fingerprint, status, headers, body, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.purge = this.db.prepare('DELETE FROM replies WHERE expires_ms <= ?');
  }

  /** Closes the database; safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Deletes expired entries; returns how many. */
  purgeExpired(): number {
    return this.purge.run(this.now()).changes;
  }

  /**
   * Runs `execute` once per key and hands its reply to `deliver`: replays a
   * stored reply, waits for a running duplicate, or executes. A 2xx JSON
   * reply is stored only once `deliver` says the client got it: a reply
   * built after the client gave up must not be replayed to its retry as if
   * it had been seen. A key reused with a different request ⇒ 422
   * `idempotency_key_mismatch`.
   */
  async run(
    key: IdempotencyKey,
    fingerprint: string,
    execute: () => Promise<Reply>,
    deliver: (reply: Reply) => Promise<boolean>,
  ): Promise<void> {
    // The token is hashed in: two tenants' request ids never collide, and no token is stored.
    const id = sha256(`${key.token}\n${key.method}\n${key.path}\n${key.requestId}`);
    for (;;) {
      const running = this.inFlight.get(id);
      if (running === undefined) break;
      if (running.fingerprint !== fingerprint) throw mismatch(key.requestId);
      await running.done.catch(() => undefined);
    }
    const stored = this.lookup(id);
    if (stored !== undefined) {
      if (stored.fingerprint !== fingerprint) throw mismatch(key.requestId);
      await deliver({
        kind: 'json',
        status: stored.status,
        body: stored.body,
        headers: { ...stored.headers, 'x-idempotent-replay': 'true' },
      });
      return;
    }
    const done = this.#executeAndStore(id, fingerprint, execute, deliver);
    this.inFlight.set(id, { fingerprint, done });
    try {
      await done;
    } finally {
      this.inFlight.delete(id);
    }
  }

  async #executeAndStore(
    id: string,
    fingerprint: string,
    execute: () => Promise<Reply>,
    deliver: (reply: Reply) => Promise<boolean>,
  ): Promise<void> {
    const reply = await execute();
    const storable = reply.kind === 'json' && (reply.status ?? 200) < 300;
    const delivered = await deliver(reply);
    if (!storable || !delivered) return;
    const now = this.now();
    this.insert.run(
      id,
      fingerprint,
      reply.status ?? 200,
      JSON.stringify(reply.headers ?? {}),
      JSON.stringify(reply.body) ?? 'null',
      now,
      now + this.ttlMs,
    );
  }

  private lookup(id: string): StoredReply | undefined {
    const row = this.select.get(id);
    if (row === undefined || row.expires_ms <= this.now()) return undefined;
    return {
      fingerprint: row.fingerprint,
      status: row.status,
      headers: JSON.parse(row.headers) as Record<string, string>,
      body: JSON.parse(row.body) as unknown,
    };
  }
}

function mismatch(requestId: string): HttpError {
  return new HttpError(
    422,
    'idempotency_key_mismatch',
    `x-request-id ${JSON.stringify(requestId)} was already used for a different request`,
  );
}
