/**
 * SSH keys of devboxes: a fresh ed25519 key pair per `create_ssh_key` call,
 * the public half stored (so it survives a restart), the private half
 * returned once and never kept.
 */
// ssh2 is CommonJS: Node's ESM loader sees only its default export (named imports pass under vitest but fail in `node`).
import ssh2, { type ParsedKey } from 'ssh2';
import * as t from 'io-ts';
import type { Collection } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import type { Store } from '../store/store.js';

const { utils } = ssh2;

/**
 * One authorised key: it opens exactly one devbox.
 *
 * @example
 * const found = keys.findByBlob(offeredKey.data); // found?.record.devbox_id === 'dbx_1'
 */
export interface SshKeyRecord {
  readonly id: string;
  readonly devbox_id: string;
  /** OpenSSH `ssh-ed25519 AAAA… comment` line. */
  readonly public_key: string;
  readonly create_time_ms: number;
}

/**
 * A key pair just made for a devbox.
 *
 * @example
 * const { record, privateKey }: NewSshKey = keys.create('dbx_1');
 * json({ id: record.devbox_id, ssh_private_key: privateKey, ssh_user: 'user' });
 */
export interface NewSshKey {
  readonly record: SshKeyRecord;
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  readonly privateKey: string;
}

/**
 * The durable set of devbox SSH keys.
 *
 * @example
 * const keys = new SshKeys(store, Date.now);
 * const { privateKey } = keys.create('dbx_1');
 */
export class SshKeys {
  private readonly keys: Collection<SshKeyRecord>;
  private readonly parsed = new Map<string, ParsedKey>();

  constructor(
    store: Store,
    private readonly now: () => number,
  ) {
    this.keys = store.collection<SshKeyRecord>('ssh_keys', {
      codec: t.type({ id: t.string, devbox_id: t.string, public_key: t.string, create_time_ms: t.number }),
      createdAt: (k) => k.create_time_ms,
      indexes: { devbox_id: (k) => k.devbox_id },
    });
  }

  /** Makes and stores a key pair for `devboxId`. */
  create(devboxId: string): NewSshKey {
    const pair = generateEd25519(`runloop-local ${devboxId}`);
    const record: SshKeyRecord = {
      id: newId(ID_PREFIX.sshKey, this.now()),
      devbox_id: devboxId,
      public_key: pair.public,
      create_time_ms: this.now(),
    };
    this.keys.put(record);
    return { record, privateKey: pair.private };
  }

  /** The stored key whose public blob is `blob` (as offered by a client), if any. */
  findByBlob(blob: Buffer): { readonly record: SshKeyRecord; readonly key: ParsedKey } | undefined {
    for (const record of this.keys.all()) {
      const key = this.parse(record);
      if (key !== undefined && key.getPublicSSH().equals(blob)) return { record, key };
    }
    return undefined;
  }

  /** Forgets every key of a devbox (it was shut down). */
  revokeDevbox(devboxId: string): void {
    for (const record of this.keys.all({ devbox_id: devboxId })) {
      this.keys.delete(record.id);
      this.parsed.delete(record.id);
    }
  }

  private parse(record: SshKeyRecord): ParsedKey | undefined {
    let key = this.parsed.get(record.id);
    if (key === undefined) {
      const result = utils.parseKey(record.public_key);
      if (result instanceof Error) return undefined;
      key = result;
      this.parsed.set(record.id, key);
    }
    return key;
  }
}

/**
 * The server's persisted host key (made once per data dir), so clients'
 * known_hosts entries stay valid across restarts.
 *
 * @example
 * const hostKey = loadHostKey(store);
 */
export function loadHostKey(store: Store): string {
  const stored = store.kv.get<string>('ssh/host-key');
  if (stored !== undefined && !(utils.parseKey(stored) instanceof Error)) return stored;
  // A data dir written before generateEd25519 existed may hold a broken key: replace it.
  const fresh = generateEd25519().private;
  store.kv.set('ssh/host-key', fresh);
  return fresh;
}

/** How often to draw a new pair before giving up; one bad draw is ~1 in 250. */
const MAX_KEY_DRAWS = 16;

/**
 * A new ed25519 pair in OpenSSH format that is known to parse. ssh2's
 * generator emits an unreadable private key about once in 250 draws (neither
 * ssh2 nor `ssh-keygen` can load it), so every pair is checked and redrawn.
 *
 * @example
 * const { private: pem, public: line } = generateEd25519('runloop-local dbx_1');
 */
export function generateEd25519(comment?: string): { readonly private: string; readonly public: string } {
  for (let draw = 0; draw < MAX_KEY_DRAWS; draw++) {
    const pair = utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error))
      return pair;
  }
  throw new Error(`ssh2 produced ${MAX_KEY_DRAWS} unreadable ed25519 keys in a row`);
}
