/**
 * The layer unpacker on real tar streams into real directories (as root):
 * overlay format (whiteouts, opaque dirs), id shift, setuid kept, hard links,
 * devices skipped, and hostile layers that must not write outside the layer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackLayer, UnsafeLayerError, type UnpackOptions } from '../../src/images/layer-unpack.js';
import { tarOf, type LayerEntry } from './oci-image.js';

const IDS = { hostStart: 100_000, size: 65_536 };
const OPTIONS: UnpackOptions = { ids: IDS, maxBytes: 1 << 20, maxEntries: 1_000 };
let scratch: string;
let outside: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rl-unpack-'));
  outside = join(scratch, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'target'), 'original\n');
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function unpack(
  entries: readonly LayerEntry[],
  options: UnpackOptions = OPTIONS,
): Promise<{ dir: string; result: Awaited<ReturnType<typeof unpackLayer>> }> {
  const dir = await mkdtemp(join(scratch, 'layer-'));
  const result = await unpackLayer(Readable.from([await tarOf(entries)]), dir, options);
  return { dir, result };
}

async function refused(
  entries: readonly LayerEntry[],
  message: RegExp,
  options: UnpackOptions = OPTIONS,
): Promise<void> {
  const dir = await mkdtemp(join(scratch, 'layer-'));
  await expect(unpackLayer(Readable.from([await tarOf(entries)]), dir, options)).rejects.toThrow(message);
  await expect(
    unpackLayer(Readable.from([await tarOf(entries)]), await mkdtemp(join(scratch, 'layer-')), options),
  ).rejects.toBeInstanceOf(UnsafeLayerError);
  // Nothing outside the layer changed.
  expect(readdirSync(outside)).toEqual(['target']);
  expect(readFileSync(join(outside, 'target'), 'utf8')).toBe('original\n');
}

describe('unpackLayer', () => {
  it('writes overlay format with owners in the devbox range, setuid kept, devices skipped', async () => {
    const { dir, result } = await unpack([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/motd', content: 'hello\n' },
      { name: 'etc/.wh.gone', content: '' },
      { name: 'opt/', type: 'directory' },
      { name: 'opt/.wh..wh..opq', content: '' },
      { name: 'home/', type: 'directory' },
      { name: 'home/user/', type: 'directory', uid: 1000, gid: 1000 },
      { name: 'home/user/own.txt', content: 'mine', uid: 1000, gid: 1000, mode: 0o600 },
      { name: 'usr/bin/su-like', content: '#!/bin/sh\n', mode: 0o4755 },
      { name: 'usr/bin/hard', type: 'link', linkname: 'usr/bin/su-like' },
      { name: 'escape-link', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 },
      { name: 'big-uid', content: 'x', uid: 200_000, gid: 200_000 },
    ]);
    expect(readFileSync(join(dir, 'etc/motd'), 'utf8')).toBe('hello\n');
    expect(lstatSync(join(dir, 'etc/motd')).uid).toBe(100_000);
    const whiteout = lstatSync(join(dir, 'etc/gone'));
    expect(whiteout.isCharacterDevice()).toBe(true);
    expect(whiteout.rdev).toBe(0);
    expect(existsSync(join(dir, 'etc/.wh.gone'))).toBe(false);
    expect(
      execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(dir, 'opt')], {
        encoding: 'utf8',
      }),
    ).toBe('y');
    expect(existsSync(join(dir, 'opt/.wh..wh..opq'))).toBe(false);
    const own = lstatSync(join(dir, 'home/user/own.txt'));
    expect([own.uid, own.gid, own.mode & 0o7777]).toEqual([101_000, 101_000, 0o600]);
    const suid = lstatSync(join(dir, 'usr/bin/su-like'));
    expect([suid.uid, suid.mode & 0o7777]).toEqual([100_000, 0o4755]);
    expect(lstatSync(join(dir, 'usr/bin/hard')).ino).toBe(suid.ino);
    expect(readlinkSync(join(dir, 'escape-link'))).toBe('/etc/shadow');
    expect(lstatSync(join(dir, 'escape-link')).uid).toBe(100_000);
    expect(existsSync(join(dir, 'dev/null'))).toBe(false);
    expect(existsSync(join(dir, 'dev/sda'))).toBe(false);
    expect(result.skipped).toEqual(['character-device dev/null', 'block-device dev/sda']);
    // Ids beyond the range collapse onto its last id (nobody inside), never above it.
    expect(lstatSync(join(dir, 'big-uid')).uid).toBe(IDS.hostStart + IDS.size - 1);
  });

  it('keeps absolute names inside the layer', async () => {
    const { dir } = await unpack([{ name: '/abs/file', content: 'in' }]);
    expect(readFileSync(join(dir, 'abs/file'), 'utf8')).toBe('in');
  });

  it('refuses names that climb out with ..', async () => {
    await refused([{ name: '../outside/target', content: 'pwned' }], /climbs out/);
    await refused([{ name: 'a/../../outside/new', content: 'pwned' }], /climbs out/);
  });

  it('never writes through a symlink, absolute or relative', async () => {
    await refused(
      [
        { name: 'sneaky', type: 'symlink', linkname: outside },
        { name: 'sneaky/target', content: 'pwned' },
      ],
      /symlink/,
    );
    await refused(
      [
        { name: 'rel', type: 'symlink', linkname: '../outside' },
        { name: 'rel/new', content: 'pwned' },
      ],
      /symlink/,
    );
    await refused(
      [
        { name: 'd', type: 'symlink', linkname: outside },
        { name: 'd/sub/', type: 'directory' },
      ],
      /symlink/,
    );
  });

  it('replaces a symlink with a later file of the same name instead of following it', async () => {
    const { dir } = await unpack([
      { name: 'victim', type: 'symlink', linkname: join(outside, 'target') },
      { name: 'victim', content: 'replaced' },
    ]);
    expect(lstatSync(join(dir, 'victim')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('replaced');
    expect(readFileSync(join(outside, 'target'), 'utf8')).toBe('original\n');
  });

  it('refuses hard links to anything but a file of the same layer', async () => {
    await refused([{ name: 'h', type: 'link', linkname: '../outside/target' }], /climbs out/);
    await refused(
      [
        { name: 'l', type: 'symlink', linkname: outside },
        { name: 'h', type: 'link', linkname: 'l/target' },
      ],
      /not inside this layer/,
    );
    await refused([{ name: 'h', type: 'link', linkname: 'missing' }], /no file of this layer/);
  });

  it('stops a layer bomb at the size cap before writing it, and at the entry cap', async () => {
    await refused([{ name: 'bomb', content: Buffer.alloc(64 * 1024) }], /more than 1024 bytes/, {
      ...OPTIONS,
      maxBytes: 1024,
    });
    const many = Array.from({ length: 20 }, (_, i): LayerEntry => ({ name: `f${i}`, content: '' }));
    await refused(many, /more than 10 entries/, { ...OPTIONS, maxEntries: 10 });
  });
});
