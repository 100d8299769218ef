/**
 * Shared helpers for the runtime tests: a temp data dir per test file, the
 * shared cached rootfs, running a command to completion, and a leftover
 * check (cgroups, processes, mounts) that every file runs at the end.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'vitest';
import { ensureBaseRootfs, runtimeInstanceName, type DevboxHandle, type DevboxSpec, type ExecSpec } from '../../../src/local/runtime/index.js';

export const CGROUP_ROOTS = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/pids'];

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
  return { id, stateDir: join(dataDir, 'devboxes', id), layers: [], limits: {}, network: 'isolated', ...overrides };
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Waits for a spawned command and collects its output. */
export function collect(child: ChildProcessWithoutNullStreams): Promise<RunResult> {
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
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
  await eventually(() => CGROUP_ROOTS.every((root) => !existsSync(join(root, instance))) && processesOfInstance(instance).length === 0, 5_000).catch(() => undefined);
  for (const root of CGROUP_ROOTS) expect(existsSync(join(root, instance)), `${root}/${instance}`).toBe(false);
  expect(processesOfInstance(instance)).toEqual([]);
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dataDir);
}
