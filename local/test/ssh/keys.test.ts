import ssh2 from 'ssh2';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateEd25519, loadHostKey } from '../../src/ssh/keys.js';
import { Store } from '../../src/store/store.js';

const { utils } = ssh2;

describe('ssh keys', () => {
  // ssh2's own generator yields an unreadable key about once in 250 draws; 2,000
  // draws without the check fail with near certainty (0.996^2000 < 0.1%).
  it('only hands out key pairs that parse', () => {
    for (let i = 0; i < 2000; i++) {
      const pair = generateEd25519(`k${i}`);
      expect(utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
      expect(utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
    }
  });

  describe('host key', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    });

    it('is kept across loads, and a broken stored one is replaced', async () => {
      dir = await mkdtemp(join(tmpdir(), 'runloop-ssh-keys-'));
      const store = Store.open(dir);
      try {
        const first = loadHostKey(store);
        expect(loadHostKey(store)).toBe(first);
        store.kv.set(
          'ssh/host-key',
          '-----BEGIN OPENSSH PRIVATE KEY-----\nbroken\n-----END OPENSSH PRIVATE KEY-----\n',
        );
        const replaced = loadHostKey(store);
        expect(utils.parseKey(replaced)).not.toBeInstanceOf(Error);
        expect(store.kv.get('ssh/host-key')).toBe(replaced);
      } finally {
        store.close();
      }
    });
  });
});
