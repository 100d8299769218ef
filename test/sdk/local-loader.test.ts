import { describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import type { RuntimeMode } from 'runloop-local';
import { RunloopError } from '../../src/core/errors.js';
import { LocalServerUnavailableError } from '../../src/sdk/errors.js';
import { importRunloopLocal, type LocalRuntimeMode, type LocalServerLoader } from '../../src/sdk/local-loader.js';
import { localSdk$, startLocalSdk } from '../../src/sdk/local.js';

// The SDK restates runloop-local's runtime modes (it may not import the server's types): keep them equal.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameModes: Same<LocalRuntimeMode, RuntimeMode> = true;

const neverSdk = (): { close(): Promise<void> } => {
  throw new Error('no SDK may be built when the server package is missing');
};

describe('loading the optional peer runloop-local', () => {
  it('a package that is not installed becomes LocalServerUnavailableError, which says how to install it', async () => {
    const err = await importRunloopLocal('runloop-local-not-installed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalServerUnavailableError);
    expect(err).toBeInstanceOf(RunloopError);
    expect((err as LocalServerUnavailableError).code).toBe('RUNLOOP_LOCAL_UNAVAILABLE');
    expect((err as Error).message).toContain('npm install runloop-local');
    expect((err as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('in this repo the workspace package loads and exposes startLocalServer', async () => {
    expect(sameModes).toBe(true);
    const mod = await importRunloopLocal();
    expect(typeof mod.startLocalServer).toBe('function');
  });

  it('startLocal() rejects with the typed error and builds nothing', async () => {
    const missing: LocalServerLoader = () => importRunloopLocal('runloop-local-not-installed');
    await expect(startLocalSdk({}, neverSdk, missing)).rejects.toBeInstanceOf(LocalServerUnavailableError);
  });

  it('local() errors with the typed error', async () => {
    const missing: LocalServerLoader = () => importRunloopLocal('runloop-local-not-installed');
    await expect(firstValueFrom(localSdk$({}, neverSdk, missing))).rejects.toThrow('npm install runloop-local');
  });

  it('any other load failure keeps its own error', async () => {
    const broken = new Error('better-sqlite3 was compiled against a different Node.js version');
    await expect(startLocalSdk({}, neverSdk, () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
