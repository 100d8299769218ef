/**
 * Loads runloop-local, the optional peer that holds the embedded server. The
 * SDK knows it only by this structural contract and by name, never by a
 * static import, so installing or importing `runloop-rx` never pulls in
 * SQLite, SSH or a native build (issue 14).
 */
import { LocalServerUnavailableError } from './errors.js';

/**
 * How the embedded server isolates devboxes (runloop-local's `RuntimeMode`).
 *
 * @example
 * RunloopSDK.startLocal({ runtimeMode: 'process' });
 */
export type LocalRuntimeMode = 'auto' | 'namespaces' | 'process' | 'none';

/**
 * The part of runloop-local the SDK uses.
 *
 * @example
 * const mod: LocalServerModule = await importRunloopLocal();
 * const server = await mod.startLocalServer({ port: 0, dataDir: '/tmp/x' });
 */
export interface LocalServerModule {
  startLocalServer(options: {
    readonly port?: number;
    readonly dataDir?: string;
    readonly log?: boolean;
    readonly runtimeMode?: LocalRuntimeMode;
  }): Promise<{ readonly url: string; readonly token: string; stop(): Promise<void> }>;
}

/**
 * Loads the server module; the seam tests replace.
 *
 * @example
 * const failing: LocalServerLoader = () => Promise.reject(new LocalServerUnavailableError());
 */
export type LocalServerLoader = () => Promise<LocalServerModule>;

/** A variable, not a literal, so neither tsc nor a bundler tries to resolve the optional peer at build time. */
const RUNLOOP_LOCAL = 'runloop-local';

/**
 * Dynamically imports runloop-local (or `specifier`, for tests). Only a
 * missing package itself becomes {@link LocalServerUnavailableError}; an
 * installed runloop-local that fails to load (say, a broken native module)
 * keeps its own error.
 *
 * @example
 * const { startLocalServer } = await importRunloopLocal();
 */
export async function importRunloopLocal(specifier: string = RUNLOOP_LOCAL): Promise<LocalServerModule> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as LocalServerModule;
  } catch (err) {
    if (isPackageMissing(err, specifier)) throw new LocalServerUnavailableError({ cause: err });
    throw err;
  }
}

function isPackageMissing(err: unknown, specifier: string): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${specifier}'`);
}
