/**
 * Image names normalised as Docker does, Runloop's default names told
 * apart, bad names refused with the name in the message; pull progress
 * lines throttled by the (injected) clock.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuthFile } from '../../src/images/credentials.js';
import { LayerProgress, formatBytes } from '../../src/images/pull-progress.js';
import { isRunloopDefaultImage, parseImageReference } from '../../src/images/reference.js';

describe('parseImageReference', () => {
  it.each([
    ['python:3.12-slim', 'docker.io/library/python:3.12-slim'],
    ['ubuntu', 'docker.io/library/ubuntu:latest'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['docker.io/python', 'docker.io/library/python:latest'],
    ['index.docker.io/library/node:22', 'docker.io/library/node:22'],
    ['ghcr.io/org/tool:v1.2', 'ghcr.io/org/tool:v1.2'],
    ['127.0.0.1:5000/test/image:tag', '127.0.0.1:5000/test/image:tag'],
    ['localhost:5000/a', 'localhost:5000/a:latest'],
    [`alpine@sha256:${'a'.repeat(64)}`, `docker.io/library/alpine@sha256:${'a'.repeat(64)}`],
  ])('%s → %s', (name, canonical) => {
    expect(parseImageReference(name).canonical).toBe(canonical);
  });

  it('splits registry, repository, tag and digest', () => {
    expect(parseImageReference(`127.0.0.1:5000/test/image:1@sha256:${'b'.repeat(64)}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'test/image',
      tag: '1',
      digest: `sha256:${'b'.repeat(64)}`,
      canonical: `127.0.0.1:5000/test/image:1@sha256:${'b'.repeat(64)}`,
    });
  });

  it.each(['', 'Upper/Case', 'a b', 'repo:bad tag', 'repo@sha256:123', 'repo:', 'reg.io/../x'])(
    'refuses %j with the name in the message',
    (name) => {
      expect(() => parseImageReference(name)).toThrow(name === '' ? /is empty/ : JSON.stringify(name.trim()));
    },
  );

  it("tells Runloop's default images from registry images", () => {
    expect(isRunloopDefaultImage('runloop:runloop/starter-x86_64')).toBe(true);
    expect(isRunloopDefaultImage('runloop:runloop/universal-ubuntu-24.04-x86_64-dnd')).toBe(true);
    expect(isRunloopDefaultImage('runloop/starter')).toBe(false);
    expect(isRunloopDefaultImage('python:3.12-slim')).toBe(false);
  });
});

describe('LayerProgress', () => {
  it('says when a layer starts, at most once per interval while bytes arrive, and when it is done', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new LayerProgress(
      `sha256:${'c'.repeat(64)}`,
      3_000_000,
      (line) => lines.push(line),
      1_000,
      () => now,
    );
    for (let t = 0; t < 2_500; t += 100) {
      now = t;
      progress.received(100_000);
    }
    now = 3_000;
    progress.received(500_000);
    progress.done();
    expect(lines).toEqual([
      'Pulling layer sha256:cccccccccccc (3.0 MB)',
      'Pulling layer sha256:cccccccccccc: 1.1 MB / 3.0 MB',
      'Pulling layer sha256:cccccccccccc: 2.1 MB / 3.0 MB',
      'Pulled layer sha256:cccccccccccc: 3.0 MB in 3.0 s',
    ]);
  });

  it('formats sizes the way registries show them', () => {
    expect([formatBytes(812), formatBytes(4_100), formatBytes(31_000_000), formatBytes(1_200_000_000)]).toEqual([
      '812 B',
      '4.1 kB',
      '31.0 MB',
      '1.20 GB',
    ]);
  });
});

describe('readAuthFile', () => {
  it("reads Docker's config.json format: base64 auth or user/password, Docker Hub's legacy key normalised, helpers skipped", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rl-auth-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          auths: {
            '127.0.0.1:5000': { auth: Buffer.from('ci:s3:cret').toString('base64') },
            'https://index.docker.io/v1/': { username: 'hub', password: 'token' },
            'ghcr.io': {},
          },
          credHelpers: { 'gcr.io': 'gcloud' },
        }),
      );
      expect(readAuthFile(file)).toEqual({
        '127.0.0.1:5000': { username: 'ci', password: 's3:cret' },
        'docker.io': { username: 'hub', password: 'token' },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
