/**
 * The secrets of one server: create, read (views only), update, delete, and
 * the one place values leave the store: {@link SecretService.resolve}, which
 * turns a devbox's or build's `secrets` map into environment values.
 */
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerContext } from '../context.js';
import { clip } from '../http/clip.js';
import { NotFoundError, WrongStateError } from '../errors.js';
import type { Collection, Page } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import { SECRET_COLLECTION, type SecretRecord } from './record.js';
import { checkSecretName, checkSecretValue } from './rules.js';

/**
 * One page of secrets, as the list route needs it.
 *
 * @example
 * const page = secrets.list({ limit: 10 });
 */
export interface SecretPageQuery {
  readonly limit?: number;
  readonly startingAfter?: string;
  readonly includeTotalCount?: boolean;
}

function notFound(name: string, field?: string): NotFoundError {
  const message = `${field === undefined ? '' : `${field}: `}secret ${JSON.stringify(clip(name))} does not exist`;
  return new NotFoundError('secret', name, { message });
}

/**
 * Secrets by name (names are unique, as in the official API).
 *
 * @example
 * const secrets = new SecretService(ctx);
 * secrets.create('DB_PASS', 'hunter2');
 * secrets.resolve({ PGPASSWORD: 'DB_PASS' }, 'secrets'); // { PGPASSWORD: 'hunter2' }
 */
export class SecretService {
  readonly #records: Collection<SecretRecord>;

  constructor(private readonly ctx: ServerContext) {
    this.#records = ctx.store.collection('secrets', SECRET_COLLECTION);
  }

  /**
   * Values live in `state.db`: the data dir is made 0700 and the database
   * files 0600, so only the server's user can read them (SQLite gives its
   * WAL and shm files the database file's mode).
   */
  protectFiles(): void {
    chmodSync(this.ctx.config.dataDir, 0o700);
    for (const file of ['state.db', 'state.db-wal', 'state.db-shm']) {
      const path = join(this.ctx.config.dataDir, file);
      if (existsSync(path)) chmodSync(path, 0o600);
    }
  }

  /** A new secret; a taken name ⇒ 409, a bad name or value ⇒ 400. */
  create(name: string, value: string): SecretRecord {
    checkSecretName(name, 'name');
    checkSecretValue(value, 'value');
    return this.ctx.store.transaction(() => {
      if (this.#find(name) !== undefined) {
        throw new WrongStateError(
          `a secret named ${JSON.stringify(name)} already exists; update it instead`,
          'already_exists',
        );
      }
      const now = this.ctx.now();
      const record: SecretRecord = {
        id: newId(ID_PREFIX.secret, now),
        name,
        value,
        create_time_ms: now,
        update_time_ms: now,
      };
      this.#records.put(record);
      return record;
    });
  }

  /** The secret `name`; unknown ⇒ 404. */
  get(name: string): SecretRecord {
    const record = this.#find(name);
    if (record === undefined) throw notFound(name);
    return record;
  }

  /** One page, newest first. */
  list(query: SecretPageQuery): Page<SecretRecord> {
    return this.#records.list({
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.startingAfter !== undefined ? { startingAfter: query.startingAfter } : {}),
      includeTotalCount: query.includeTotalCount ?? true,
    });
  }

  /**
   * Replaces the value. Running devboxes keep the value they started with;
   * the new one reaches them at their next start (create or resume).
   */
  update(name: string, value: string): SecretRecord {
    checkSecretValue(value, 'value');
    return this.ctx.store.transaction(() => {
      const record = this.get(name);
      return this.#records.update(record.id, (r) => ({
        ...r,
        value,
        update_time_ms: Math.max(this.ctx.now(), r.update_time_ms),
      }))!;
    });
  }

  /** Removes the secret and answers what it was (without the value). */
  delete(name: string): SecretRecord {
    return this.ctx.store.transaction(() => {
      const record = this.get(name);
      this.#records.delete(record.id);
      return record;
    });
  }

  /**
   * Checks a `secrets` map (ENV_NAME → secret name) without reading values:
   * a key that cannot be an environment name ⇒ 400, an unknown secret ⇒ 404,
   * both naming `field.KEY`.
   *
   * @example
   * secrets.check(params.secrets, 'secrets');
   */
  check(map: Readonly<Record<string, string>> | null | undefined, field: string): void {
    for (const [env, name] of Object.entries(map ?? {})) {
      checkSecretName(env, `${field}.${env}`);
      if (this.#find(name) === undefined) {
        throw notFound(name, `${field}.${env}`);
      }
    }
  }

  /**
   * The environment a `secrets` map stands for, read now. Throws like
   * {@link SecretService.check} (a secret may have been deleted since).
   *
   * @example
   * const env = secrets.resolve({ PGPASSWORD: 'DB_PASS' }, 'secrets');
   */
  resolve(map: Readonly<Record<string, string>> | null | undefined, field: string): Record<string, string> {
    this.check(map, field);
    const env: Record<string, string> = {};
    for (const [key, name] of Object.entries(map ?? {})) env[key] = this.#find(name)!.value;
    return env;
  }

  #find(name: string): SecretRecord | undefined {
    return this.#records.list({ where: { name }, limit: 1, includeTotalCount: false }).items[0];
  }
}
