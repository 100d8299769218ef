import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { firstValueFrom, lastValueFrom, reduce, take } from 'rxjs';
import * as tar from 'tar-stream';
import { buildContext$, buildContextStream } from '../../src/sdk/build-context.js';

interface Extracted {
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly linkname?: string | null;
}

async function extractAll(archive: Readable): Promise<Extracted[]> {
  const entries: Extracted[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      parts.push(chunk as Buffer);
    });
    stream.on('end', () => {
      entries.push({
        name: header.name,
        type: header.type,
        content: Buffer.concat(parts).toString(),
        linkname: header.linkname,
      });
      next();
    });
  });
  await pipeline(archive, createGunzip(), extract);
  return entries;
}

describe('buildContextStream', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rx-ctx-'));
    await mkdir(join(dir, 'src/lib'), { recursive: true });
    await mkdir(join(dir, 'node_modules/pkg'), { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'src/app.js'), 'console.log(1)\n');
    await writeFile(join(dir, 'src/lib/util.js'), 'x'.repeat(200_000));
    await writeFile(join(dir, 'src/debug.log'), 'noise');
    await writeFile(join(dir, 'node_modules/pkg/index.js'), 'pkg');
    await writeFile(join(dir, 'node_modules/pkg/keep.txt'), 'keep');
    await symlink('app.js', join(dir, 'src/link.js'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs every entry with a ./ prefix when there is no .dockerignore', async () => {
    const entries = await extractAll(buildContextStream(dir));
    expect(entries.map((e) => e.name)).toEqual([
      './',
      './Dockerfile',
      './node_modules/',
      './node_modules/pkg/',
      './node_modules/pkg/index.js',
      './node_modules/pkg/keep.txt',
      './src/',
      './src/app.js',
      './src/debug.log',
      './src/lib/',
      './src/lib/util.js',
      './src/link.js',
    ]);
    expect(entries.find((e) => e.name === './src/lib/util.js')?.content).toHaveLength(200_000);
    expect(entries.find((e) => e.name === './src/link.js')).toMatchObject({ type: 'symlink', linkname: 'app.js' });
  });

  it('honours .dockerignore, prunes excluded dirs, and leaves the ignore file out', async () => {
    await writeFile(join(dir, '.dockerignore'), 'node_modules\n!node_modules/pkg/keep.txt\n**/*.log\n');
    const names = (await extractAll(buildContextStream(dir))).map((e) => e.name);
    expect(names).toEqual([
      './',
      './Dockerfile',
      './src/',
      './src/app.js',
      './src/lib/',
      './src/lib/util.js',
      './src/link.js',
    ]);
  });

  it('prefers an explicit pattern list over .dockerignore', async () => {
    await writeFile(join(dir, '.dockerignore'), 'src\n');
    const names = (await extractAll(buildContextStream(dir, { ignore: ['node_modules', 'src/lib'] }))).map(
      (e) => e.name,
    );
    expect(names).toEqual(['./', './Dockerfile', './src/', './src/app.js', './src/debug.log', './src/link.js']);
  });

  it('uses an explicit ignore file, and no ignores when it is unreadable', async () => {
    await writeFile(join(dir, 'my.ignore'), 'src\nnode_modules\nmy.ignore\n');
    const names = (await extractAll(buildContextStream(dir, { ignoreFile: join(dir, 'my.ignore') }))).map(
      (e) => e.name,
    );
    expect(names).toEqual(['./', './Dockerfile']);
    const all = await extractAll(buildContextStream(dir, { ignoreFile: join(dir, 'missing') }));
    expect(all).toHaveLength(13);
  });

  it('accepts a matcher function', async () => {
    const names = (await extractAll(buildContextStream(dir, { ignore: (p) => p !== 'Dockerfile' }))).map((e) => e.name);
    expect(names).toEqual(['./', './Dockerfile']);
  });

  it('fails the stream for a missing directory', async () => {
    await expect(extractAll(buildContextStream(join(dir, 'nope')))).rejects.toThrow(/ENOENT/);
  });

  it('as an Observable: emits the archive bytes and stops on unsubscribe', async () => {
    const total = await lastValueFrom(buildContext$(dir).pipe(reduce((n, c) => n + c.length, 0)));
    expect(total).toBeGreaterThan(100);
    const first = await firstValueFrom(buildContext$(dir).pipe(take(1)));
    expect(first[0]).toBe(0x1f); // gzip magic
  });
});
