import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, map, switchMap, toArray } from 'rxjs';
import { NotFoundError } from '../../../src/index.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'rx-e2e-objects-'));
});
afterAll(async () => {
  await h?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('storage objects (real runloop-local)', () => {
  it('uploadFromText / downloadAsText, refresh, download URL, delete', async () => {
    const obj = await lastValueFrom(
      h.sdk.storageObject.uploadFromText('Hello, World!', 'greeting.txt', { metadata: { k: 'v' } }),
    );
    const info = await lastValueFrom(obj.getInfo());
    expect(info).toMatchObject({
      name: 'greeting.txt',
      content_type: 'text',
      state: 'READ_ONLY',
      size_bytes: 13,
      metadata: { k: 'v' },
    });
    expect(await lastValueFrom(obj.downloadAsText())).toBe('Hello, World!');
    const { download_url } = await lastValueFrom(obj.getDownloadUrl({ durationSeconds: 60 }));
    expect(download_url).toMatch(/^http:\/\//);
    await lastValueFrom(obj.delete());
    expect((await lastValueFrom(obj.getInfo())).state).toBe('DELETED');
  });

  it('uploadFromText sends a multi-MB text encoded in pieces, a surrogate pair on a piece boundary intact', async () => {
    // 'a' first puts a high surrogate at index 2^20 - 1, where a 1 Mi-character piece ends.
    const text = `a${'\u{1F600}'.repeat(600_000)}é`;
    const obj = await lastValueFrom(h.sdk.storageObject.uploadFromText(text, 'emoji.txt'));
    expect((await lastValueFrom(obj.getInfo())).size_bytes).toBe(Buffer.byteLength(text));
    expect((await lastValueFrom(obj.downloadAsText())) === text).toBe(true);
    await lastValueFrom(obj.delete());
  });
  it('uploadFromBytes, uploadFromFile (type inferred, streamed), create + uploadContent + complete', async () => {
    const bytes = new Uint8Array(1_000_000).map((_, i) => (i * 7) % 256);
    const bin = await lastValueFrom(h.sdk.storageObject.uploadFromBytes(bytes, 'blob.bin', 'binary'));
    expect(Buffer.compare(Buffer.from(await lastValueFrom(bin.downloadAsBytes())), Buffer.from(bytes))).toBe(0);

    await writeFile(join(dir, 'report.csv'), 'a,b\n1,2\n');
    const csv = await lastValueFrom(h.sdk.storageObject.uploadFromFile(join(dir, 'report.csv')));
    expect((await lastValueFrom(csv.getInfo())).content_type).toBe('text');
    expect(await lastValueFrom(csv.downloadAsText())).toBe('a,b\n1,2\n');

    const manual = await lastValueFrom(h.sdk.storageObject.create({ name: 'manual.bin', contentType: 'binary' }));
    expect(manual.uploadUrl).toBeDefined();
    await lastValueFrom(manual.uploadContent(new Uint8Array([0xde, 0xad])), { defaultValue: undefined });
    expect((await lastValueFrom(manual.complete())).state).toBe('READ_ONLY');
    expect([...(await lastValueFrom(manual.downloadAsBytes()))]).toEqual([0xde, 0xad]);
  });

  it('uploadFromDir packs a tgz honouring .dockerignore; mounts unpack it into a devbox', async () => {
    const ctx = join(dir, 'ctx');
    await mkdir(join(ctx, 'src'), { recursive: true });
    await writeFile(join(ctx, 'src/app.js'), 'console.log(1)\n');
    await writeFile(join(ctx, 'secret.env'), 'x');
    await writeFile(join(ctx, '.dockerignore'), '*.env\n');
    const archive = await lastValueFrom(h.sdk.storageObject.uploadFromDir(ctx, { name: 'ctx.tgz' }));
    expect((await lastValueFrom(archive.getInfo())).content_type).toBe('tgz');
    const text = await lastValueFrom(h.sdk.storageObject.uploadFromText('mounted!', 'm.txt'));
    const listing = await lastValueFrom(
      h.sdk.devbox
        .use({ name: 'mounts', mounts: [{ '/home/user/project': archive, '/home/user/m.txt': text }] }, (devbox) =>
          devbox.cmd.exec('cd /home/user && find project -type f | sort && cat m.txt'),
        )
        .pipe(switchMap((r) => r.stdout())),
    );
    expect(listing).toBe('project/src/app.js\nmounted!');
  });

  it('lists lazily; fromId of a missing object fails with NotFoundError', async () => {
    const names = await lastValueFrom(
      h.sdk.storageObject.list({ pageSize: 2 }).pipe(
        map((o) => o.id),
        toArray(),
      ),
    );
    expect(names.length).toBeGreaterThanOrEqual(4);
    // `limit` caps the total, across pages.
    const capped = await lastValueFrom(
      h.sdk.storageObject.list({ limit: 3, pageSize: 2 }).pipe(
        map((o) => o.id),
        toArray(),
      ),
    );
    expect(capped).toEqual(names.slice(0, 3));
    await expect(lastValueFrom(h.sdk.storageObject.fromId('obj_missing'))).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('snapshots (real runloop-local)', () => {
  it('snapshotDisk waits, update/list/getInfo, createDevbox restores the disk, delete', async () => {
    const devbox = await lastValueFrom(h.sdk.devbox.create({ name: 'to-snapshot' }));
    await lastValueFrom(devbox.file.write({ path: 'state.txt', contents: 'kept' }));
    const snapshot = await lastValueFrom(
      devbox.snapshotDisk({ name: 'snap-1' }, { pollingConfig: { intervalMs: 200, timeoutMs: 60_000 } }),
    );
    expect((await lastValueFrom(snapshot.getInfo())).status).toBe('complete');
    await lastValueFrom(snapshot.update({ name: 'snap-renamed', metadata: { v: '2' } }));
    const listed = await lastValueFrom(
      h.sdk.snapshot.list({ devboxId: devbox.id }).pipe(
        map((s) => s.id),
        toArray(),
      ),
    );
    expect(listed).toEqual([snapshot.id]);
    const again = await lastValueFrom(h.sdk.snapshot.fromId(snapshot.id));
    expect((await lastValueFrom(again.awaitCompleted())).snapshot).toMatchObject({
      name: 'snap-renamed',
      metadata: { v: '2' },
    });
    await lastValueFrom(devbox.shutdown());

    const content = await lastValueFrom(
      snapshot
        .createDevbox({ name: 'restored' })
        .pipe(
          switchMap((restored) =>
            restored.file
              .read({ path: 'state.txt' })
              .pipe(switchMap((text) => restored.shutdown().pipe(map(() => text)))),
          ),
        ),
    );
    expect(content).toBe('kept');

    // Inside the scope: the scoped shutdown would (rightly) be refused while a snapshot is in progress.
    const async = await lastValueFrom(
      h.sdk.devbox.use({ name: 'async-snap' }, (d) =>
        d
          .snapshotDiskAsync({ name: 'snap-2' })
          .pipe(
            switchMap((s) =>
              s.awaitCompleted({ pollingConfig: { intervalMs: 200, timeoutMs: 60_000 } }).pipe(map(() => s)),
            ),
          ),
      ),
    );
    expect((await lastValueFrom(async.getInfo())).status).toBe('complete');
    await lastValueFrom(async.delete());
    await lastValueFrom(snapshot.delete());
    expect(await h.settle()).toEqual([]);
  });
});
