/**
 * The machine's own floors, measured in the same run as the clients: what a
 * bare process spawn costs, and how fast a command's output goes into a pipe.
 */
import { spawn } from 'node:child_process';
import { elapsedMs } from './stats.js';

/**
 * Spawns a host process and waits for its end (output discarded); resolves with the ms it took.
 *
 * @example
 * const ms = await spawnFloor('/bin/true');
 */
export function spawnFloor(file: string, args: readonly string[] = []): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('close', () => resolve(elapsedMs(start)));
  });
}

/**
 * Runs `command` with `sh -c` on the host and reads its stdout through a pipe; resolves with MB/s and the bytes read.
 *
 * @example
 * const { mbps } = await pipeFloor("seq 1 1000000");
 */
export function pipeFloor(command: string): Promise<{ mbps: number; bytes: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.once('error', reject);
    child.once('close', () => resolve({ mbps: bytes / 1024 / 1024 / (elapsedMs(start) / 1000), bytes }));
  });
}
