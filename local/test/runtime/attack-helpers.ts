/**
 * Helpers for the attack tests: a tiny static host-built program that
 * prints its real and effective uid (copied into devboxes, made setuid
 * there), running a host file as the unprivileged host user `nobody`, and
 * the host paths of a devbox's disk.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The devbox id range on the host (createRuntime's default). */
export const HOST_ID_START = 100_000;
export const HOST_ID_END = 165_535;

const EUID_SOURCE = `#include <stdio.h>
#include <unistd.h>
int main(void) { printf("uid=%d euid=%d\\n", (int)getuid(), (int)geteuid()); return 0; }
`;

/**
 * Builds the euid printer (static, so it runs in the devbox's root too) in a
 * new 0755 host dir; remove the dir with {@link removeEuidProgram}.
 */
export function buildEuidProgram(): { readonly dir: string; readonly path: string } {
  const dir = mkdtempSync('/tmp/runloop-attack-bin-');
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'euid.c'), EUID_SOURCE);
  execFileSync('cc', ['-static', '-O1', '-o', join(dir, 'euid'), join(dir, 'euid.c')], {
    stdio: 'pipe',
    timeout: 60_000,
  });
  return { dir, path: join(dir, 'euid') };
}

export function removeEuidProgram(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface HostRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The effective uid the program reported, when it ran at all. */
  readonly euid: number | undefined;
}

/** Runs a host file as host user `nobody` (bounded), and parses an `euid=N` it prints. */
export function runAsNobody(path: string, args: readonly string[] = []): HostRun {
  const result = spawnSync('runuser', ['-u', 'nobody', '--', path, ...args], { encoding: 'utf8', timeout: 10_000 });
  const match = /euid=(\d+)/.exec(result.stdout ?? '');
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    euid: match ? Number(match[1]) : undefined,
  };
}

/** Where a devbox's disk is mounted on the host, and its overlay upper dir (the devbox's writes). */
export function diskPaths(
  dataDir: string,
  id: string,
): { readonly mount: string; readonly upper: string; readonly image: string } {
  const mount = join(dataDir, '.runtime', 'mnt', id);
  return { mount, upper: join(mount, 'upper'), image: join(dataDir, 'devboxes', id, 'disk.img') };
}

/** Free bytes (for an unprivileged user) of the filesystem holding `path`. */
export function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return Number(stats.bavail) * Number(stats.bsize);
}

export const MIB = 1024 * 1024;
