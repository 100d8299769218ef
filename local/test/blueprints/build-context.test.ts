import { mkdtemp, mkdir, readFile, readlink, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildContextError, extractBuildContext } from '../../src/blueprints/context-extract.js';
import { CopySourceError, planCopy } from '../../src/blueprints/copy-sources.js';
import { packCopyEntries } from '../../src/blueprints/copy-pack.js';
import { buildContextStream } from '../../../src/sdk/build-context.js';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink'; content?: string; linkname?: string };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname! });
    else pack.entry({ name: e.name }, e.content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctx-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('extractBuildContext', () => {
  it('unpacks a tgz made by the SDK (./ prefixes, nested dirs)', async () => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'app/lib'), { recursive: true });
    await writeFile(join(src, 'app/lib/a.txt'), 'hello');
    await writeFile(join(src, 'top.txt'), 'top');
    const out = join(dir, 'out');
    await mkdir(out);
    const { files } = await extractBuildContext(buildContextStream(src), out);
    expect(files).toBe(2);
    expect(await readFile(join(out, 'app/lib/a.txt'), 'utf8')).toBe('hello');
    expect(await readFile(join(out, 'top.txt'), 'utf8')).toBe('top');
  });

  it('accepts a plain tar and keeps symlinks as links', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await extractBuildContext(
      Readable.from([
        await tarOf([
          { name: 'f', content: 'x' },
          { name: 'l', type: 'symlink', linkname: '/etc/passwd' },
        ]),
      ]),
      out,
    );
    expect(await readlink(join(out, 'l'))).toBe('/etc/passwd');
  });

  it('refuses entries escaping the directory, also through a symlinked directory', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await expect(
      extractBuildContext(Readable.from([await tarOf([{ name: '../evil', content: 'x' }])]), out),
    ).rejects.toThrow(BuildContextError);
    const out2 = join(dir, 'out2');
    await mkdir(out2);
    const archive = gzipSync(
      await tarOf([
        { name: 'esc', type: 'symlink', linkname: dir },
        { name: 'esc/pwned', content: 'x' },
      ]),
    );
    await expect(extractBuildContext(Readable.from([archive]), out2)).rejects.toThrow(/non-directory/);
    await expect(lstat(join(dir, 'pwned'))).rejects.toThrow();
  });

  it('fails clearly on bytes that are not an archive', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await expect(
      extractBuildContext(Readable.from([gzipSync(Buffer.from('not a tar at all'.repeat(64)))]), out),
    ).rejects.toThrow(BuildContextError);
  });
});

describe('planCopy', () => {
  beforeEach(async () => {
    await mkdir(join(dir, 'src/sub'), { recursive: true });
    await writeFile(join(dir, 'src/a.py'), 'a');
    await writeFile(join(dir, 'src/b.py'), 'b');
    await writeFile(join(dir, 'src/c.txt'), 'c');
    await writeFile(join(dir, 'src/sub/d.py'), 'd');
    await writeFile(join(dir, 'one.txt'), '1');
  });

  it('copies a file to a file path, or into a directory with a trailing slash', async () => {
    expect((await planCopy(dir, ['one.txt'], '/x/renamed', false)).entries.map((e) => e.destPath)).toEqual([
      '/x/renamed',
    ]);
    expect((await planCopy(dir, ['./one.txt'], '/x/', false)).entries.map((e) => e.destPath)).toEqual(['/x/one.txt']);
  });

  it("copies a directory's contents, recursively, parents first", async () => {
    const dests = (await planCopy(dir, ['src'], '/app', false)).entries.map((e) => e.destPath);
    expect(dests).toEqual(['/app/a.py', '/app/b.py', '/app/c.txt', '/app/sub', '/app/sub/d.py']);
    expect((await planCopy(dir, ['.'], '/ctx/', false)).entries.map((e) => e.destPath)).toContain('/ctx/src/sub/d.py');
  });

  it('expands globs per segment', async () => {
    const dests = (await planCopy(dir, ['src/*.py', 's?c/[s]ub'], '/g/', false)).entries.map((e) => e.destPath);
    expect(dests).toEqual(['/g/a.py', '/g/b.py', '/g/d.py']);
  });

  it('refuses missing sources and escapes with one error that tells nothing about the host', async () => {
    const notFound = (source: string) =>
      new RegExp(`^${source.replace(/[.*?[\]]/g, '\\$&')}: not found in the build context$`);
    await expect(planCopy(dir, ['nope'], '/x', false)).rejects.toThrow(CopySourceError);
    // `..` stops at the context's root, as at `/`.
    await expect(planCopy(dir, ['../etc/passwd'], '/x', false)).rejects.toThrow(notFound('../etc/passwd'));
    // A link out of the context resolves inside it (RESOLVE_IN_ROOT), so the host is never looked at.
    const outside = await mkdtemp(join(tmpdir(), 'rl-outside-'));
    try {
      await writeFile(join(outside, '.npmrc'), 'token');
      await symlink(outside, join(dir, 'rootlink'));
      await symlink('/etc', join(dir, 'etc-link'));
      await symlink('../../..', join(dir, 'src', 'up'));
      for (const source of ['rootlink/.n*', 'rootlink/.npmrc', 'etc-link/hostname', 'src/up/etc/passwd']) {
        const error = (await planCopy(dir, [source], '/x/', false).then(
          () => undefined,
          (e: unknown) => e,
        )) as Error;
        expect(error).toBeInstanceOf(CopySourceError);
        expect(error.message).toMatch(notFound(source));
        expect(error.message).not.toMatch(/npmrc(?!.*not found)/);
      }
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('follows links that stay inside the context, and copies a source that is a link as a link', async () => {
    await symlink('src', join(dir, 'code'));
    await symlink('/src/sub', join(dir, 'abs-sub'));
    expect((await planCopy(dir, ['code/a.py'], '/x', false)).entries.map((e) => [e.hostPath, e.destPath])).toEqual([
      [join(dir, 'src', 'a.py'), '/x'],
    ]);
    expect((await planCopy(dir, ['abs-sub/d.py'], '/x', false)).entries.map((e) => e.hostPath)).toEqual([
      join(dir, 'src', 'sub', 'd.py'),
    ]);
    const [link] = (await planCopy(dir, ['code'], '/x', false)).entries;
    expect(link?.stats.isSymbolicLink()).toBe(true);
  });

  it('marks local archives for unpacking under ADD only', async () => {
    await writeFile(join(dir, 'bundle.tgz'), gzipSync(await tarOf([{ name: 'in.txt', content: 'i' }])));
    expect((await planCopy(dir, ['bundle.tgz'], '/opt/', true)).archives).toEqual([
      { hostPath: join(dir, 'bundle.tgz'), destDir: '/opt' },
    ]);
    expect((await planCopy(dir, ['bundle.tgz'], '/opt/', false)).entries.map((e) => e.destPath)).toEqual([
      '/opt/bundle.tgz',
    ]);
  });

  it('packs entries with absolute-path names and the requested owner and mode', async () => {
    const plan = await planCopy(dir, ['src/sub'], '/app', false);
    const extract = tar.extract();
    packCopyEntries(plan.entries, { uid: 1000, gid: 1000, mode: 0o640 }).pipe(extract);
    const seen: Array<[string, number | undefined, number | undefined, string]> = [];
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      seen.push([entry.header.name, entry.header.uid, entry.header.mode, Buffer.concat(chunks).toString()]);
    }
    expect(seen).toEqual([['app/d.py', 1000, 0o640, 'd']]);
  });
});
