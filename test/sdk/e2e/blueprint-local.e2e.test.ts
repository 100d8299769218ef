import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, map, switchMap, take, toArray } from 'rxjs';
import { BlueprintBuildError, RunloopSDK } from '../../../src/index.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let dir: string;
const fast = { pollingConfig: { intervalMs: 200, timeoutMs: 120_000 } };

beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'rx-e2e-bp-'));
});
afterAll(async () => {
  await h?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('blueprints (real runloop-local)', () => {
  it('builds from a Dockerfile with a build context dir, then creates a devbox from it', async () => {
    await mkdir(join(dir, 'app'), { recursive: true });
    await writeFile(join(dir, 'app/hello.txt'), 'from context\n');
    await writeFile(join(dir, 'junk.log'), 'ignored');
    await writeFile(join(dir, '.dockerignore'), '*.log\n');
    const blueprint = await lastValueFrom(
      h.sdk.blueprint.create(
        {
          name: 'e2e-bp',
          dockerfile:
            'FROM runloop:runloop/starter-x86_64\nWORKDIR /srv\nCOPY app/ ./app/\nRUN ls /srv/app > /srv/listing.txt\n' +
            'ARG GREETING\nRUN echo "$GREETING" > /srv/greeting.txt',
          systemSetupCommands: ['echo setup > /srv/setup.txt'],
          buildArgs: { GREETING: 'from build args' },
          buildContextDir: dir,
        },
        fast,
      ),
    );
    const info = await lastValueFrom(blueprint.getInfo());
    expect(info.status).toBe('build_complete');
    expect(info.parameters.build_context?.type).toBe('object');
    const logs = await lastValueFrom(blueprint.logs());
    expect(logs.logs.length).toBeGreaterThan(0);
    const replayed = await lastValueFrom(blueprint.buildLog(fast).pipe(toArray()));
    expect(replayed.map((l) => l.message)).toEqual(logs.logs.map((l) => l.message));

    const out = await lastValueFrom(
      h.sdk.devbox
        .use({ blueprintId: blueprint.id, name: 'from-bp' }, (d) =>
          d.cmd.exec('cat /srv/app/hello.txt /srv/listing.txt /srv/setup.txt /srv/greeting.txt'),
        )
        .pipe(switchMap((r) => r.stdout())),
    );
    expect(out).toBe('from context\nhello.txt\nsetup\nfrom build args\n');
    const byName = await lastValueFrom(
      h.sdk.devbox
        .createFromBlueprintName('e2e-bp')
        .pipe(switchMap((d) => d.shutdown().pipe(map(() => d.initial?.blueprint_id)))),
    );
    expect(byName).toBe(blueprint.id);
    const listed = await lastValueFrom(
      h.sdk.blueprint.list({ name: 'e2e-bp' }).pipe(
        map((b) => b.id),
        toArray(),
      ),
    );
    expect(listed).toContain(blueprint.id);
    expect(await h.settle()).toEqual([]);
  });

  it('a failed build errors with BlueprintBuildError holding the build log', async () => {
    const err = await lastValueFrom(
      h.sdk.blueprint.create(
        { name: 'e2e-bad', dockerfile: 'FROM runloop:runloop/starter-x86_64\nRUN echo about-to-fail && false' },
        fast,
      ),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlueprintBuildError);
    const failure = err as BlueprintBuildError;
    expect(failure.blueprint.status).toBe('failed');
    expect(failure.logs.map((l) => l.message).join('\n')).toContain('about-to-fail');
    const bp = await lastValueFrom(h.sdk.blueprint.fromId(failure.blueprint.id));
    await lastValueFrom(bp.delete());
  });
});

describe('RunloopSDK.local()', () => {
  it('starts an embedded server on subscribe and stops it on unsubscribe', async () => {
    let url = '';
    const exitCode = await firstValueFrom(
      RunloopSDK.local().pipe(
        switchMap((runloop) => {
          url = runloop.baseURL;
          return runloop.devbox.use({ name: 'embedded' }, (d) => d.cmd.exec('true'));
        }),
        map((r) => r.exitCode),
        take(1),
      ),
    );
    expect(exitCode).toBe(0);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Stopped: the port no longer answers (stop is asynchronous after unsubscribe).
    await expect
      .poll(
        async () =>
          fetch(`${url}/v1/devboxes`).then(
            () => 'up',
            () => 'down',
          ),
        { timeout: 15_000, interval: 100 },
      )
      .toBe('down');
  });

  it('startLocal() gives a disposable SDK', async () => {
    const local = await RunloopSDK.startLocal({ runtimeMode: 'none' });
    try {
      const obj = await lastValueFrom(local.sdk.storageObject.uploadFromText('x', 'x.txt'));
      expect(await lastValueFrom(obj.downloadAsText())).toBe('x');
    } finally {
      await local.dispose();
    }
    await expect(fetch(`${local.url}/v1/objects`)).rejects.toThrow();
  });
});
