import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from '../../src/store/lock.js';
import { startTestServer, tempDataDir } from '../../../test/support/local-server.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function dir(): Promise<string> {
  const d = await tempDataDir();
  dirs.push(d);
  return d;
}

describe('data dir lock', () => {
  it('refuses a second server on the same data dir until the first stops', async () => {
    const dataDir = await dir();
    const first = await startTestServer({ runtimeMode: 'none', services: [], dataDir, keepDataDir: true });
    await expect(startTestServer({ runtimeMode: 'none', services: [], dataDir, keepDataDir: true })).rejects.toThrow(
      DataDirLockedError,
    );
    await first.dispose();
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
    const second = await startTestServer({ runtimeMode: 'none', services: [], dataDir, keepDataDir: true });
    await second.dispose();
  });

  it('takes over a lock left by a dead process, but not one held by a live one', async () => {
    const dataDir = await dir();
    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    const [exited] = [once(child, 'exit')];
    try {
      writeFileSync(join(dataDir, 'server.lock'), JSON.stringify({ pid: child.pid }));
      expect(() => acquireDataDirLock(dataDir)).toThrow(new RegExp(`pid ${child.pid}`));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const release = acquireDataDirLock(dataDir);
    expect(JSON.parse(readFileSync(join(dataDir, 'server.lock'), 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(join(dataDir, 'server.lock'))).toBe(false);
  });
});
