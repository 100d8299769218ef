/**
 * Shared helpers for the runtime tests: a temp data dir per test file, the
 * shared cached rootfs, running a command to completion, and a leftover
 * check (cgroups, processes, mounts) that every file runs at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  createRuntime,
  ensureBaseRootfs,
  runtimeInstanceName,
  type DevboxHandle,
  type DevboxProcess,
  type DevboxRuntime,
  type DevboxSpec,
  type ExecSpec,
} from '../../src/runtime/index.js';

/** Every cgroup hierarchy of this host (runc makes a devbox's group in each). */
export const CGROUP_ROOTS = readFileSync('/proc/self/mounts', 'utf8')
  .split('\n')
  .map((line) => line.split(' '))
  .filter((fields) => fields[2] === 'cgroup' || fields[2] === 'cgroup2')
  .map((fields) => fields[1]!);

export { TEST_LIMITS } from './test-limits.js';
import { TEST_LIMITS } from './test-limits.js';

/** The cached base rootfs (built on the very first run only). */
export function sharedRootfs(): Promise<string> {
  return ensureBaseRootfs({ log: (line) => console.log(line) });
}

/** A fresh data dir under /tmp (removed by {@link removeDataDir}). */
export function makeDataDir(): string {
  return mkdtempSync('/tmp/runloop-runtime-test-');
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

let counter = 0;
/** A spec with a unique id and its state under `dataDir`. */
export function specFor(dataDir: string, overrides: Partial<DevboxSpec> = {}): DevboxSpec {
  const id = overrides.id ?? `dbx_t${process.pid}_${++counter}`;
  return {
    id,
    stateDir: join(dataDir, 'devboxes', id),
    layers: [],
    limits: TEST_LIMITS,
    network: 'isolated',
    ...overrides,
  };
}

export interface RunResult {
  /** Shell-style: 128 + n when signal n ended the command. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Waits for a spawned command and collects its output. */
export async function collect(child: DevboxProcess): Promise<RunResult> {
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await child.closed;
  return { code, stdout, stderr };
}

/** Runs a command to completion inside `devbox`. */
export function run(devbox: DevboxHandle, command: string, exec: Omit<ExecSpec, 'command'> = {}): Promise<RunResult> {
  return collect(devbox.spawn({ command, ...exec }));
}

export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Polls `check` until it returns true (no timing assertion: only a generous deadline). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Host pids whose cgroup path mentions this runtime instance. */
export function processesOfInstance(instance: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cgroup`, 'utf8').includes(instance)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Asserts that nothing of the runtime using `dataDir` is left: cgroups, processes, host mounts. */
export async function expectNoLeftovers(dataDir: string): Promise<void> {
  const instance = runtimeInstanceName(dataDir);
  // The kernel may need a moment to free the last group after the last exit.
  await eventually(
    () => CGROUP_ROOTS.every((root) => !existsSync(join(root, instance))) && processesOfInstance(instance).length === 0,
    5_000,
  ).catch(() => undefined);
  for (const root of CGROUP_ROOTS) expect(existsSync(join(root, instance)), `${root}/${instance}`).toBe(false);
  expect(processesOfInstance(instance)).toEqual([]);
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dataDir);
  expect(existsSync(join('/run/runloop-local', instance)), 'bundle dir').toBe(false);
  expect(loopBackingFiles().filter((file) => file.startsWith(dataDir))).toEqual([]);
  // The runtime's host egress chains (filter and nat) go with it, and so do its devboxes' policy chains and sets.
  const hash = instance.replace(/^runloop-local-/, '').slice(0, 12);
  for (const table of ['filter', 'nat']) {
    const rules = execFileSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' });
    expect(rules, table).not.toContain(`RLL-${hash}`);
    expect(rules, table).not.toContain(`RLD-${hash}`);
  }
  expect(execFileSync('ipset', ['list', '-n'], { encoding: 'utf8' })).not.toContain(`RLD-${hash}`);
}

/** The files behind every attached loop device (a devbox disk left mounted would show here). */
export function loopBackingFiles(): string[] {
  return readdirSync('/sys/block')
    .filter((name) => name.startsWith('loop'))
    .map((name) => {
      try {
        return readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim();
      } catch {
        return ''; // not attached
      }
    })
    .filter(Boolean);
}

/** What {@link useRuntime} gives a test file; fields are set once its `beforeAll` ran. */
export interface RuntimeFixture {
  readonly dataDir: string;
  readonly runtime: DevboxRuntime;
  /** The shared base rootfs (namespace mode only). */
  readonly rootfs: string;
  /** Devboxes to stop (and discard) after the current test. */
  readonly started: DevboxHandle[];
  /** Starts a devbox with a unique id, stopped after the current test. */
  start(overrides?: Partial<DevboxSpec>): Promise<DevboxHandle>;
}

/**
 * The set-up every runtime test file shares: a temp data dir and a runtime
 * for the whole file, every devbox a test started stopped after it, and
 * (namespace mode) a check that nothing was left behind. Call inside `describe`.
 */
export function useRuntime(mode: 'namespaces' | 'process'): RuntimeFixture {
  const state = { dataDir: '', rootfs: '', runtime: undefined as DevboxRuntime | undefined };
  const started: DevboxHandle[] = [];
  const fixture: RuntimeFixture = {
    get dataDir() {
      return state.dataDir;
    },
    get rootfs() {
      return state.rootfs;
    },
    get runtime() {
      if (state.runtime === undefined) throw new Error('useRuntime: the runtime exists only once beforeAll ran');
      return state.runtime;
    },
    started,
    start: async (overrides = {}) => {
      const devbox = await fixture.runtime.start(specFor(state.dataDir, overrides));
      started.push(devbox);
      return devbox;
    },
  };
  beforeAll(async () => {
    state.dataDir = makeDataDir();
    if (mode === 'namespaces') state.rootfs = await sharedRootfs();
    state.runtime = await createRuntime(
      mode === 'namespaces'
        ? { mode, dataDir: state.dataDir, rootfsDir: state.rootfs }
        : { mode, dataDir: state.dataDir },
    );
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((devbox) => devbox.stop({ discard: true })));
  });
  afterAll(async () => {
    await state.runtime?.close();
    if (mode === 'namespaces' && state.dataDir !== '') await expectNoLeftovers(state.dataDir);
    if (state.dataDir !== '') removeDataDir(state.dataDir);
  });
  return fixture;
}
