import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRuntimeMode, ensureBaseRootfs, formatRuntimeInfo } from '../../src/runtime/index.js';
import { COMPLETE_MARKER, ensureCachedBuild } from '../../src/runtime/rootfs.js';
import { makeDataDir, removeDataDir } from './helpers.js';

describe('base rootfs cache', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = makeDataDir();
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach(removeDataDir));

  it('provides a Debian rootfs with a uid 1000 user, reusing the cache without rebuilding', async () => {
    const first = await ensureBaseRootfs();
    const lines: string[] = [];
    const again = await ensureBaseRootfs({ log: (line) => lines.push(line) });
    expect(again).toBe(first);
    // The second call found the cache: it built and announced nothing.
    expect(lines).toEqual([]);
    expect(readFileSync(join(first, 'etc', 'passwd'), 'utf8')).toMatch(/^user:x:1000:1000::\/home\/user:\/bin\/bash$/m);
    expect(statSync(join(first, 'home', 'user')).uid).toBe(1000);
    for (const tool of ['usr/bin/python3', 'usr/bin/ps', 'bin/busybox', 'usr/bin/bash', 'usr/sbin/ip']) {
      expect(existsSync(join(first, tool)), tool).toBe(true);
    }
    expect(readdirSync(join(first, 'var', 'cache', 'apt', 'archives')).filter((f) => f.endsWith('.deb'))).toEqual([]);
  });

  it('builds once when several callers race, in a temp dir renamed into place', async () => {
    const cacheDir = tempDir();
    let builds = 0;
    const build = async (dir: string): Promise<void> => {
      builds += 1;
      expect(dir).not.toBe(join(cacheDir, 'v1'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writeFile(join(dir, 'content'), 'built');
    };
    const results = await Promise.all([1, 2, 3].map(() => ensureCachedBuild({ cacheDir, tag: 'v1', build })));
    expect(new Set(results)).toEqual(new Set([join(cacheDir, 'v1')]));
    expect(builds).toBe(1);
    expect(readFileSync(join(cacheDir, 'v1', 'content'), 'utf8')).toBe('built');
    expect(readdirSync(cacheDir).sort()).toEqual(['v1']);
  });

  it('takes over a lock whose owner died, and discards its half-built temp dir', async () => {
    const cacheDir = tempDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid ?? 0)));
    mkdirSync(join(cacheDir, 'v1.lock'));
    writeFileSync(join(cacheDir, 'v1.lock', 'owner'), `${deadPid}\n`);
    mkdirSync(join(cacheDir, 'v1.tmp-1-1'));
    const target = await ensureCachedBuild({ cacheDir, tag: 'v1', build: (dir) => writeFile(join(dir, 'x'), '') });
    expect(existsSync(join(target, COMPLETE_MARKER))).toBe(true);
    expect(readdirSync(cacheDir).sort()).toEqual(['v1']);
  });

  it('leaves no trace of a failed build, so the next call builds again', async () => {
    const cacheDir = tempDir();
    await expect(
      ensureCachedBuild({ cacheDir, tag: 'v1', build: async () => Promise.reject(new Error('mirror down')) }),
    ).rejects.toThrow('mirror down');
    expect(readdirSync(cacheDir)).toEqual([]);
    await ensureCachedBuild({ cacheDir, tag: 'v1', build: (dir) => writeFile(join(dir, 'x'), '') });
    expect(readdirSync(cacheDir)).toEqual(['v1']);
  });

  it('reports the mode a server would run in, for the CLI banner', async () => {
    const dataDir = tempDir();
    const info = await checkRuntimeMode({ dataDir });
    expect(info.mode).toBe('namespaces');
    expect(info.detail).toMatch(/base rootfs cached/);
    expect(formatRuntimeInfo(info)).toMatch(/^runloop-local: devboxes run as namespaces — /);
  });
});
