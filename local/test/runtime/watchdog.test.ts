import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, runtimeInstanceName } from '../../src/runtime/index.js';
import { eventually, expectNoLeftovers, makeDataDir, removeDataDir, sharedRootfs } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-server.ts', import.meta.url));

function isLive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('devboxes do not outlive a SIGKILLed server', () => {
  let dataDir: string;
  let rootfs: string;

  beforeAll(async () => {
    dataDir = makeDataDir();
    rootfs = await sharedRootfs();
  });

  afterAll(async () => {
    // Belt and braces: whatever the watchdog missed, a successor reaps.
    const successor = await createRuntime({ mode: 'namespaces', dataDir, rootfsDir: rootfs });
    await successor.reapOrphans();
    await successor.close();
    await expectNoLeftovers(dataDir);
    removeDataDir(dataDir);
  });

  async function crashServer(mode: 'namespaces' | 'process'): Promise<{ initPid: number; execPid: number }> {
    const server = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir, rootfs, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      server.on('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    const pids = JSON.parse(line) as { initPid: number; execPid: number };
    expect(isLive(pids.initPid)).toBe(true);
    expect(isLive(pids.execPid)).toBe(true);
    server.kill('SIGKILL');
    return pids;
  }

  it('kills the devbox and its commands, and removes its cgroups, when the server dies', async () => {
    const { initPid, execPid } = await crashServer('namespaces');
    await eventually(() => !isLive(initPid) && !isLive(execPid));
    await eventually(() => !existsSync(`/sys/fs/cgroup/unified/${runtimeInstanceName(dataDir)}`));
    // Its disk image is unmounted too (the loop device goes with it), and its egress chain is gone.
    await eventually(() => !readFileSync('/proc/self/mountinfo', 'utf8').includes(dataDir));
    const chain = `RLL-${runtimeInstanceName(dataDir).replace(/^runloop-local-/, '')}`;
    await eventually(() => !execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' }).includes(chain));
  });

  it('kills plain-process devboxes and their commands when the server dies', async () => {
    const { initPid, execPid } = await crashServer('process');
    await eventually(() => !isLive(initPid) && !isLive(execPid));
  });
});
