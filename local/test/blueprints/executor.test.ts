import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildLog } from '../../src/blueprints/build-log.js';
import { BuildFailedError, runBuild, type BuildJob, type BuildPhase } from '../../src/blueprints/executor.js';
import { runInDevbox } from '../../src/blueprints/run-in-devbox.js';
import { createRuntime, type DevboxRuntime } from '../../src/runtime/index.js';
import { TEST_LIMITS } from '../runtime/test-limits.js';

let root: string;
let runtime: DevboxRuntime;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'bp-exec-'));
  runtime = await createRuntime({ dataDir: join(root, 'data') });
});
afterAll(async () => {
  await runtime?.close();
  await rm(root, { recursive: true, force: true });
});

async function job(dockerfile: string, extra: Partial<BuildJob> = {}): Promise<BuildJob> {
  counter += 1;
  const id = `bpt_exectest${process.pid}x${counter}`;
  const dir = join(root, 'blueprints', id);
  await mkdir(dir, { recursive: true });
  return {
    id,
    dockerfile,
    systemSetupCommands: [],
    buildArgs: {},
    fileMounts: {},
    baseLayers: [],
    baseEnv: {},
    dir,
    log: new BuildLog(join(dir, 'build.log')),
    ...extra,
  };
}

async function sh(
  layers: string[],
  command: string,
  env: Record<string, string> = {},
): Promise<{ exitCode: number; stdout: string }> {
  counter += 1;
  const id = `dbx_exectest${process.pid}x${counter}`;
  const handle = await runtime.start({
    id,
    stateDir: join(root, 'devboxes', id),
    layers,
    limits: TEST_LIMITS,
    network: 'isolated',
  });
  try {
    return await runInDevbox(handle, { command, env }, { captureStdout: true });
  } finally {
    await handle.stop({ discard: true });
  }
}

describe('runBuild', () => {
  it('builds COPY, ENV, WORKDIR and RUN into a layer that a devbox sees, with USER metadata', async () => {
    const context = join(root, 'ctx1');
    await mkdir(join(context, 'app'), { recursive: true });
    await writeFile(join(context, 'app/main.py'), 'print("hi")\n');
    await writeFile(join(context, 'notes.txt'), 'notes\n');
    const phases: BuildPhase[] = [];
    const j = await job(
      [
        'FROM runloop:runloop/starter-x86_64',
        'ARG GREETING=hello',
        'ENV APP_HOME=/opt/app GREETING=$GREETING',
        'WORKDIR $APP_HOME',
        'COPY app/ ./',
        'COPY --chown=user:user notes.txt /home/user/notes.txt',
        'RUN echo "$GREETING from $(pwd)" > built.txt && rm -f /etc/motd',
        'USER user',
        'RUN whoami > /tmp/who',
      ].join('\n'),
      { contextDir: context, buildArgs: { GREETING: 'bonjour' }, systemSetupCommands: ['echo setup > /opt/setup.txt'] },
    );
    const outcome = await runBuild(runtime, j, (p) => phases.push(p));
    expect(phases).toEqual(['provisioning', 'building']);
    expect(existsSync(outcome.layerDir)).toBe(true);
    expect(existsSync(join(j.dir, 'layer.tmp'))).toBe(false);
    expect(outcome.metadata.env).toEqual({ APP_HOME: '/opt/app', GREETING: 'bonjour' });
    expect(outcome.metadata.user).toBe('user');
    const messages = j.log.read().map((e) => e.message);
    expect(messages).toContain(
      'FROM runloop:runloop/starter-x86_64: a Runloop default image; using the local Debian bookworm base root filesystem',
    );
    const check = await sh(
      [outcome.layerDir],
      'cat /opt/app/main.py /opt/app/built.txt /opt/setup.txt /tmp/who; stat -c %U /home/user/notes.txt /opt/app/main.py; test -e /etc/motd && echo motd-present || echo motd-gone',
    );
    expect(check.stdout.split('\n')).toEqual([
      'print("hi")',
      'bonjour from /opt/app',
      'setup',
      'user',
      'user',
      'root',
      'motd-gone',
      '',
    ]);
  });

  it('fails on a failing RUN: status failed, the error in the log, no layer left', async () => {
    const j = await job(
      'FROM runloop:runloop/starter-x86_64\nRUN echo about-to-fail && ls /definitely/missing\nRUN echo never',
    );
    await expect(runBuild(runtime, j, () => undefined)).rejects.toThrow(BuildFailedError);
    const log = j.log.read();
    expect(log.map((e) => e.message)).toContain('about-to-fail');
    expect(log.at(-1)).toMatchObject({ level: 'error' });
    expect(log.at(-1)!.message).toMatch(
      /Build failed: RUN ls|Build failed: RUN echo about-to-fail && ls \/definitely\/missing: exited with code 2/,
    );
    expect(log.map((e) => e.message)).not.toContain('never');
    expect(existsSync(join(j.dir, 'layer'))).toBe(false);
    expect(existsSync(join(j.dir, 'layer.tmp'))).toBe(false);
  });

  it('fails an unsupported instruction before starting anything', async () => {
    const j = await job('FROM runloop:runloop/starter-x86_64\nHEALTHCHECK CMD true');
    const phases: BuildPhase[] = [];
    await expect(runBuild(runtime, j, (p) => phases.push(p))).rejects.toThrow(/HEALTHCHECK is not supported/);
    expect(phases).toEqual([]);
    expect(j.log.read().at(-1)!.message).toBe(
      'Build failed: Dockerfile line 2: HEALTHCHECK is not supported by runloop-local (devboxes have no container health checks)',
    );
  });

  it('stacks a build on a base blueprint layer', async () => {
    const base = await job('FROM runloop:runloop/starter-x86_64\nRUN echo base > /base.txt');
    const baseOutcome = await runBuild(runtime, base, () => undefined);
    const top = await job('FROM runloop:runloop/starter-x86_64\nRUN cat /base.txt > /top.txt', {
      baseLayers: [baseOutcome.layerDir],
    });
    const topOutcome = await runBuild(runtime, top, () => undefined);
    expect((await sh([topOutcome.layerDir, baseOutcome.layerDir], 'cat /top.txt /base.txt')).stdout).toBe(
      'base\nbase\n',
    );
    expect(await readFile(join(top.dir, 'image.json'), 'utf8')).toContain('"env":{}');
  });
  it('ADD unpacks a local archive into a directory; --chmod sets modes', async () => {
    const context = join(root, 'ctx-add');
    await mkdir(context, { recursive: true });
    const pack = tar.pack();
    pack.entry({ name: 'inner/x.txt' }, 'from-archive\n');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    await writeFile(join(context, 'bundle.tar.gz'), gzipSync(Buffer.concat(chunks)));
    await writeFile(join(context, 'run.sh'), 'echo run\n');
    const j = await job(
      'FROM runloop:runloop/starter-x86_64\nADD bundle.tar.gz /opt/b/\nCOPY --chmod=750 run.sh /usr/local/bin/run.sh',
      { contextDir: context },
    );
    const outcome = await runBuild(runtime, j, () => undefined);
    expect((await sh([outcome.layerDir], 'cat /opt/b/inner/x.txt; stat -c %a /usr/local/bin/run.sh')).stdout).toBe(
      'from-archive\n750\n',
    );
  });
});
