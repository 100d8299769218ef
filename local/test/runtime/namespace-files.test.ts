import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeFileError } from '../../src/runtime/index.js';
import { readAll, run, useRuntime } from './helpers.js';

async function fileError(promise: Promise<unknown>): Promise<RuntimeFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RuntimeFileError);
  return error as RuntimeFileError;
}

describe('namespace runtime: files', () => {
  const fx = useRuntime('namespaces');
  const { start } = fx;
  const hostFiles: string[] = [];
  afterEach(() => {
    for (const file of hostFiles.splice(0)) rmSync(file, { force: true });
  });

  it('writes (creating parents, owned by the user) and reads back, relative to /home/user', async () => {
    const devbox = await start();
    await devbox.writeFile('notes/deep/a.txt', 'hello');
    expect(await readAll(await devbox.readFile('/home/user/notes/deep/a.txt'))).toBe('hello');
    expect(await readAll(await devbox.readFile('~/notes/deep/a.txt'))).toBe('hello');
    const owner = await run(devbox, 'stat -c %u:%g notes notes/deep/a.txt; cat notes/deep/a.txt');
    expect(owner.stdout).toBe('1000:1000\n1000:1000\nhello');
    await devbox.writeFile('notes/deep/a.txt', 'replaced');
    expect(await readAll(await devbox.readFile('notes/deep/a.txt'))).toBe('replaced');
  });

  it('streams large content both ways byte for byte', async () => {
    const devbox = await start();
    const content = randomBytes(3 * 1024 * 1024);
    await devbox.writeFile('big.bin', Readable.from([content.subarray(0, 1_000_000), content.subarray(1_000_000)]));
    const chunks: Buffer[] = [];
    for await (const chunk of await devbox.readFile('big.bin')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    await devbox.writeFile('bytes.bin', new Uint8Array([0, 1, 2, 255]));
    expect((await run(devbox, 'od -An -tu1 bytes.bin')).stdout.trim().split(/\s+/)).toEqual(['0', '1', '2', '255']);
  });

  it('maps missing files, directories and forbidden files to typed errors', async () => {
    const devbox = await start();
    expect((await fileError(devbox.readFile('missing.txt'))).code).toBe('ENOENT');
    expect((await fileError(devbox.readFile('/home/user'))).code).toBe('EISDIR');
    expect((await fileError(devbox.readFile('/etc/shadow'))).code).toBe('EACCES');
    expect((await fileError(devbox.writeFile('/etc/passwd', 'x'))).code).toBe('EACCES');
    expect((await fileError(devbox.writeFile('/home/user', 'x'))).code).toBe('EISDIR');
    expect((await fileError(devbox.readFile(''))).code).toBe('EINVAL');
    expect((await fileError(devbox.readFile('a\0b'))).code).toBe('EINVAL');
  });

  it('reads a missing parent as ENOENT, creates missing parents on write, and names what is in the way', async () => {
    const devbox = await start();
    const setup = await run(
      devbox,
      'touch plain && ln -s /nonexistent/dir dangling && mkdir -p locked && chmod 500 locked',
    );
    expect(setup.code).toBe(0);
    const codes: Record<string, string> = {};
    const note = async (label: string, op: Promise<unknown>) => {
      codes[label] = await op.then(
        () => 'ok',
        (e: unknown) => (e instanceof RuntimeFileError ? e.code : String(e)),
      );
    };
    await note('read missing parent', devbox.readFile('no/such/dir/a.txt'));
    await note('read under a file', devbox.readFile('plain/a.txt'));
    await note('read through a dangling link', devbox.readFile('dangling/a.txt'));
    await note('write missing parents', devbox.writeFile('new/deeper/a.txt', 'x'));
    await note('write under a file', devbox.writeFile('plain/a.txt', 'x'));
    await note('write through a dangling link', devbox.writeFile('dangling/a.txt', 'x'));
    await note('write in a read-only dir', devbox.writeFile('locked/sub/a.txt', 'x'));
    await note('write to a directory', devbox.writeFile('new/deeper', 'x'));
    expect(codes).toEqual({
      'read missing parent': 'ENOENT',
      // dash reports an open under a file as "No such file": the file is missing either way.
      'read under a file': 'ENOENT',
      'read through a dangling link': 'ENOENT',
      'write missing parents': 'ok',
      'write under a file': 'ENOTDIR',
      // mkdir -p cannot tell a dangling link from a file: a parent that is not a directory.
      'write through a dangling link': 'ENOTDIR',
      'write in a read-only dir': 'EACCES',
      'write to a directory': 'EISDIR',
    });
  });

  it('never lets .. reach the host', async () => {
    const devbox = await start();
    const marker = join(fx.dataDir, 'host-marker.txt');
    writeFileSync(marker, 'host secret');
    hostFiles.push(marker);
    expect((await fileError(devbox.readFile(`../../../../../..${marker}`))).code).toBe('ENOENT');
    await devbox.writeFile(`../../../../tmp/escaped-${process.pid}`, 'inside');
    // The write landed in the devbox's own /tmp, not the host's.
    expect(await readAll(await devbox.readFile(`/tmp/escaped-${process.pid}`))).toBe('inside');
    expect(() => writeFileSync(`/tmp/escaped-${process.pid}`, '', { flag: 'wx' })).not.toThrow();
    hostFiles.push(`/tmp/escaped-${process.pid}`);
  });

  it('never follows planted symlinks out of the devbox (host files, other devboxes)', async () => {
    const a = await start();
    const b = await start();
    await b.writeFile('secret.txt', 'b-only');
    const bUpper = join(fx.dataDir, 'devboxes', b.id, 'upper', 'home', 'user', 'secret.txt');
    const marker = join(fx.dataDir, 'host-link-marker.txt');
    writeFileSync(marker, 'host secret');
    hostFiles.push(marker);
    const plant = await run(
      a,
      [
        `ln -s ${marker} host-abs`,
        `ln -s ../../../../../../../..${marker} host-rel`,
        `ln -s ${bUpper} other-devbox`,
        `ln -s /proc/${b.pid}/root/home/user/secret.txt other-proc`,
        'ln -s /etc/shadow shadow',
        'mkdir -p dir && ln -s / dir/up',
      ].join(' && '),
    );
    expect(plant.code).toBe(0);
    for (const link of ['host-abs', 'host-rel', 'other-devbox', 'other-proc']) {
      expect((await fileError(a.readFile(link))).code, link).toBe('ENOENT');
    }
    expect((await fileError(a.readFile('shadow'))).code).toBe('EACCES');
    expect((await fileError(a.readFile(`dir/up${marker}`))).code).toBe('ENOENT');
    // Writing through a link pointing at the other devbox's files creates nothing there.
    await fileError(a.writeFile('other-devbox', 'overwritten')).catch(() => undefined);
    expect(await readAll(await b.readFile('secret.txt'))).toBe('b-only');
  });
});
