import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputLog } from '../../src/executions/output-log.js';
import { collectRun } from '../../src/executions/runner.js';
import { exitStatusOf } from '../../src/runtime/index.js';
import { asDevboxProcess } from '../../src/runtime/process-group.js';
import { inShell, KeyedQueue, shellStateDir } from '../../src/executions/shell.js';

describe('named shell script', () => {
  const name = `test shell ${randomBytes(4).toString('hex')} 'quoted' $x`;
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'runloop-shell-test-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const run = (command: string) =>
    spawnSync('bash', ['-c', inShell(name, command)], {
      cwd: '/',
      encoding: 'utf8',
      env: { PATH: process.env.PATH, TMPDIR: tmp },
    });

  it('carries cwd and exports to the next command, even after exit or a failure', () => {
    expect(run('cd /tmp && export A="x y"').status).toBe(0);
    expect(run('echo "$PWD|$A"').stdout).toBe('/tmp|x y\n');
    expect(run('cd /; export A=z; exit 5').status).toBe(5);
    expect(run('echo "$PWD|$A"').stdout).toBe('/|z\n');
    expect(run('false').status).toBe(1);
    expect(run('unset A').status).toBe(0);
    expect(run('echo "${A:-unset}"').stdout).toBe('unset\n');
  });

  it('keeps the state dir name safe for any shell name', () => {
    expect(shellStateDir('../../etc')).toMatch(/^\.runloop-shells\/[0-9a-f]+$/);
  });

  it('keeps its state under $TMPDIR', () => {
    expect(run('cd / && export B=1').status).toBe(0);
    expect(spawnSync('ls', [join(tmp, '.runloop-shells')], { encoding: 'utf8' }).stdout.trim()).toMatch(/^[0-9a-f]+$/);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key in order, other keys independently', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = queue.run('a', async () => {
      events.push('a1 start');
      await gate;
      events.push('a1 end');
    });
    const a2 = queue.run('a', async () => {
      events.push('a2');
      throw new Error('boom');
    });
    const a3 = queue.run('a', async () => events.push('a3'));
    const b1 = queue.run('b', async () => events.push('b1'));
    expect(queue.busy('a')).toBe(true);
    await b1;
    expect(events).toEqual(['a1 start', 'b1']);
    release();
    await a1;
    await expect(a2).rejects.toThrow('boom');
    await a3;
    expect(events).toEqual(['a1 start', 'b1', 'a1 end', 'a2', 'a3']);
    await Promise.resolve();
    expect(queue.busy('a')).toBe(false);
  });
});

describe('collectRun', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rl-run-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes both outputs to disk and reports the exit status', async () => {
    const out = await OutputLog.create(join(dir, 'out'));
    const err = await OutputLog.create(join(dir, 'err'));
    const child = asDevboxProcess(spawn('sh', ['-c', 'seq 1 20000; echo bad >&2; exit 3'], { detached: true }));
    child.stdin.end();
    expect(await collectRun(child, child.exited, out, err)).toBe(3);
    expect(out.done && err.done).toBe(true);
    const text = await readFile(join(dir, 'out'), 'utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(20000);
    expect(out.size).toBe(Buffer.byteLength(text));
    expect(await readFile(join(dir, 'err'), 'utf8')).toBe('bad\n');
  });

  it('completes when the command exits even if a background child keeps the pipes open', async () => {
    const out = await OutputLog.create(join(dir, 'out'));
    const err = await OutputLog.create(join(dir, 'err'));
    const host = spawn('sh', ['-c', 'sleep 30 & echo hi'], { detached: true });
    const child = asDevboxProcess(host);
    child.stdin.end();
    try {
      expect(await collectRun(child, child.exited, out, err)).toBe(0);
      expect(await readFile(join(dir, 'out'), 'utf8')).toBe('hi\n');
    } finally {
      process.kill(-host.pid!, 'SIGKILL');
    }
  });

  it('keeps the output of a command that exits before its logs are open', async () => {
    const child = asDevboxProcess(spawn('sh', ['-c', 'seq 1 3000; echo bad >&2'], { detached: true }));
    child.stdin.end();
    const exited = child.exited;
    let openLogs!: () => void;
    const opened = new Promise<void>((resolve) => (openLogs = resolve));
    const out = opened.then(() => OutputLog.create(join(dir, 'out')));
    const err = opened.then(() => OutputLog.create(join(dir, 'err')));
    const collected = collectRun(child, exited, out, err);
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the pipes are at EOF by now
    openLogs();
    expect(await collected).toBe(0);
    expect((await readFile(join(dir, 'out'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(3000);
    expect(await readFile(join(dir, 'err'), 'utf8')).toBe('bad\n');
  });

  it('maps signals to 128 + n', () => {
    expect(exitStatusOf(null, 'SIGKILL')).toBe(137);
    expect(exitStatusOf(null, 'SIGTERM')).toBe(143);
    expect(exitStatusOf(2, null)).toBe(2);
    expect(exitStatusOf(null, null)).toBeNull();
  });
});
