import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeFileError } from '../../src/runtime/index.js';
import { collect, eventually, readAll, run, useRuntime } from './helpers.js';

async function fileErrorCode(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RuntimeFileError);
  return (error as RuntimeFileError).code;
}

describe('process runtime (forced fallback)', () => {
  const fx = useRuntime('process');
  const { start } = fx;

  it('says plainly that it is the fallback and why', () => {
    expect(fx.runtime.info.mode).toBe('process');
    expect(fx.runtime.info.detail).toMatch(/forced by mode: 'process'/);
    expect(fx.runtime.info.detail).toMatch(/NOT A SANDBOX/);
    expect(fx.runtime.info.detail).toMatch(/no filesystem, PID, network or resource isolation/);
  });

  it('runs commands in the devbox home with exit codes, output and a clean environment', async () => {
    const devbox = await start();
    const home = join(fx.dataDir, 'devboxes', devbox.id, 'home');
    const result = await run(devbox, 'pwd; echo "$HOME"; echo "$GREETING"; echo err >&2; exit 7', {
      env: { GREETING: 'hi' },
    });
    expect(result).toEqual({ code: 7, stdout: `${home}\n${home}\nhi\n`, stderr: 'err\n' });
    expect((await run(devbox, 'pwd', { cwd: '/home/user/sub' }).catch(() => null))?.code).not.toBe(0);
    mkdirSync(join(home, 'sub'));
    expect((await run(devbox, 'pwd', { cwd: '/home/user/sub' })).stdout).toBe(`${join(home, 'sub')}\n`);
  });

  it('maps /home/user files into the devbox directory and confines them', async () => {
    const devbox = await start();
    const home = join(fx.dataDir, 'devboxes', devbox.id, 'home');
    await devbox.writeFile('a/b.txt', 'hello');
    expect(await readAll(await devbox.readFile('/home/user/a/b.txt'))).toBe('hello');
    expect(existsSync(join(home, 'a', 'b.txt'))).toBe(true);

    const outside = join(fx.dataDir, 'outside.txt');
    writeFileSync(outside, 'host secret');
    symlinkSync(outside, join(home, 'abs-link'));
    symlinkSync('../../../outside.txt', join(home, 'rel-link'));
    symlinkSync(fx.dataDir, join(home, 'dir-link'));
    expect(await fileErrorCode(devbox.readFile('abs-link'))).toBe('EACCES');
    expect(await fileErrorCode(devbox.readFile('rel-link'))).toBe('EACCES');
    expect(await fileErrorCode(devbox.readFile('dir-link/outside.txt'))).toBe('EACCES');
    expect(await fileErrorCode(devbox.writeFile('dir-link/new.txt', 'x'))).toBe('EACCES');
    expect(await fileErrorCode(devbox.writeFile('abs-link', 'overwrite'))).toBe('EACCES');
    expect(await fileErrorCode(devbox.readFile('../../../etc/passwd'))).toBe('EACCES');
    expect(await fileErrorCode(devbox.readFile('missing'))).toBe('ENOENT');
    expect(await fileErrorCode(devbox.readFile('a'))).toBe('EISDIR');
    // Like the namespace runtime: a missing parent is ENOENT on read, a file in the way is ENOTDIR on write.
    expect(await fileErrorCode(devbox.readFile('no/such/parent.txt'))).toBe('ENOENT');
    expect(await fileErrorCode(devbox.writeFile('a/b.txt/under-a-file.txt', 'x'))).toBe('ENOTDIR');
    expect(await fileErrorCode(devbox.writeFile('a', 'x'))).toBe('EISDIR');
    // A host path under /tmp means the devbox's own /tmp, where it does not exist.
    expect(await fileErrorCode(devbox.readFile(outside))).toBe('ENOENT');
    expect(existsSync(join(fx.dataDir, 'new.txt'))).toBe(false);
  });

  it('kills a command with its background children, and freezes with SIGSTOP', async () => {
    const devbox = await start();
    const child = devbox.spawn({ command: 'sleep 1000 & echo $!; wait' });
    const pid = Number(
      await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString()))),
    );
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    await devbox.freeze();
    // The background job may still be the forked bash that has not exec()ed sleep yet.
    await eventually(() => /^\S+ \((sleep|bash)\) T/.test(readProcStat(pid)));
    await devbox.thaw();
    devbox.killGroup(child);
    await collect(child);
    await eventually(() => !alive() || readProcStat(pid).includes(') Z'));
  });

  it('captures the home as a layer that seeds a new devbox', async () => {
    const a = await start();
    await a.writeFile('kept.txt', 'from a');
    const layer = join(fx.dataDir, 'layers', 'one');
    expect((await a.captureLayer(layer)).sizeBytes).toBeGreaterThan(0);
    const b = await start({ layers: [layer] });
    expect(await readAll(await b.readFile('kept.txt'))).toBe('from a');
  });
});

function readProcStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}
