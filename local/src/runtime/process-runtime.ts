/**
 * The plain-process fallback runtime, for hosts that refuse namespaces,
 * overlayfs or cgroups (or when forced with `mode: 'process'`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeInputError } from './errors.js';
import { ProcessDevbox } from './process-devbox.js';
import type { DevboxHandle, DevboxRuntime, DevboxSpec, RuntimeInfo } from './types.js';
import { checkSpec } from './validate.js';
import { Watchdog } from './watchdog.js';

/**
 * A {@link DevboxRuntime} of plain processes. Build it with `createRuntime`.
 *
 * @example
 * const runtime = new ProcessRuntime({ mode: 'process', detail: 'forced' });
 */
export class ProcessRuntime implements DevboxRuntime {
  private readonly devboxes = new Map<string, ProcessDevbox>();
  /** Kills every command's process group if the server dies without stopping its devboxes. */
  private readonly watchdog = Watchdog.forProcessGroups();

  constructor(readonly info: RuntimeInfo) {}

  async start(spec: DevboxSpec): Promise<DevboxHandle> {
    checkSpec(spec);
    if (this.devboxes.has(spec.id)) throw new RuntimeInputError(`devbox ${spec.id} is already running`);
    const dirs = { home: join(spec.stateDir, 'home'), tmp: join(spec.stateDir, 'tmp') };
    const initialized = join(spec.stateDir, '.initialized');
    if (!existsSync(initialized)) {
      await mkdir(dirs.home, { recursive: true });
      // Layers are topmost first: copy bottom-up so upper layers win.
      for (const layer of [...spec.layers].reverse()) {
        const home = join(layer, 'home', 'user');
        if (existsSync(home)) await cp(home, dirs.home, { recursive: true, force: true, verbatimSymlinks: true });
      }
      await writeFile(initialized, '');
    }
    await mkdir(dirs.tmp, { recursive: true });
    // The supervisor stands in for PID 1: its life is the devbox's life.
    const supervisor = spawn('/bin/sleep', ['infinity'], { detached: true, stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      supervisor.once('spawn', resolve);
      supervisor.once('error', reject);
    });
    const devbox = new ProcessDevbox(spec, dirs, supervisor, {
      add: (pgid) => this.watchdog.add(pgid),
      remove: (pgid) => this.watchdog.remove(pgid),
    });
    this.devboxes.set(spec.id, devbox);
    void devbox.exited.then(() => this.devboxes.delete(spec.id));
    return devbox;
  }

  /** Plain processes leave no cgroups or mounts, and the watchdog ends a dead server's commands. */
  async reapOrphans(): Promise<void> {}

  async close(): Promise<void> {
    await Promise.allSettled([...this.devboxes.values()].map((devbox) => devbox.stop()));
    this.watchdog.end();
  }
}
