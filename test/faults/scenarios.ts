/**
 * The work the fault suite does through a faulty network, each scenario
 * checking its own result exactly (every line once and in order, bytes
 * identical) and reporting what it checked to the shared tally.
 */
import { randomBytes } from 'node:crypto';
import { forkJoin, lastValueFrom, switchMap } from 'rxjs';
import { expect } from 'vitest';
import type { Devbox, RunloopSDK } from '../../src/index.js';
import type { TestServer } from '../support/local-server.js';

/** What a run checked, summed over the suite for the closing note. */
export interface Tally {
  runs: number;
  linesChecked: number;
  bytesChecked: number;
  resourcesCounted: number;
  duplicates: number;
}

/** A fresh tally. @example const tally = newTally(); */
export function newTally(): Tally {
  return { runs: 0, linesChecked: 0, bytesChecked: 0, resourcesCounted: 0, duplicates: 0 };
}

const LINES = 10_000;

/** Every item of a list endpoint, straight from the server (no proxy), following `starting_after`. */
async function listAll(server: TestServer, path: string, key: string): Promise<{ id: string; name?: string | null }[]> {
  const all: { id: string; name?: string | null }[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await server.request(
      'GET',
      `${path}?limit=100${after === undefined ? '' : `&starting_after=${after}`}`,
    );
    expect(res.status, res.text).toBe(200);
    const page = res.json[key] as { id: string; name?: string | null }[];
    all.push(...page);
    if (res.json.has_more !== true || page.length === 0) return all;
    after = page[page.length - 1]?.id;
  }
}

/**
 * Checks on the server that each name in `names` names exactly one resource
 * of the list endpoint: a retried POST must not have created a second one.
 */
export async function expectOneEach(
  server: TestServer,
  tally: Tally,
  path: string,
  key: string,
  names: readonly string[],
): Promise<void> {
  const items = await listAll(server, path, key);
  for (const name of names) {
    const count = items.filter((item) => item.name === name).length;
    tally.resourcesCounted += 1;
    if (count > 1) tally.duplicates += count - 1;
    expect(count, `${path}: resources named ${name}`).toBe(1);
  }
}

/** Runs a command printing 10,000 numbered lines to each stream; each must arrive exactly once, in order. */
export async function execNumberedLines(devbox: Devbox, tally: Tally): Promise<void> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const result = await lastValueFrom(
    devbox.cmd.exec(`i=1; while [ $i -le ${LINES} ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done`, {
      stdout: (line) => stdout.push(line.replace(/\n$/, '')),
      stderr: (line) => stderr.push(line.replace(/\n$/, '')),
    }),
  );
  expect(result.exitCode).toBe(0);
  const expected = (prefix: string): string[] => Array.from({ length: LINES }, (_, i) => `${prefix}${i + 1}`);
  // Compare as a whole first (cheap when equal), then name the first difference.
  if (stdout.join('\n') !== expected('o').join('\n')) expect(firstDifference(stdout, expected('o'))).toBeUndefined();
  if (stderr.join('\n') !== expected('e').join('\n')) expect(firstDifference(stderr, expected('e'))).toBeUndefined();
  tally.linesChecked += stdout.length + stderr.length;
}

function firstDifference(got: string[], want: string[]): string | undefined {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i])
      return `line ${i}: got ${JSON.stringify(got[i])}, want ${JSON.stringify(want[i])} (${got.length} lines)`;
  }
  return undefined;
}

/** A devbox file and a storage object, uploaded and downloaded: byte-identical, and one object per upload. */
export async function fileAndObjectRoundTrip(
  sdk: RunloopSDK,
  server: TestServer,
  devbox: Devbox,
  random: () => number,
  tally: Tally,
  tag: string,
): Promise<void> {
  const size = 64 * 1024 + Math.floor(random() * 1.5 * 1024 * 1024);
  const bytes = randomBytes(size);
  const path = `faults/${tag}.bin`;
  await lastValueFrom(devbox.file.upload({ path, file: bytes }), { defaultValue: undefined });
  const back = await lastValueFrom(devbox.file.download({ path }));
  expect(Buffer.compare(Buffer.from(back), bytes), `devbox file ${path} (${size} bytes) round trip`).toBe(0);
  tally.bytesChecked += size;

  const name = `faults-${tag}.bin`;
  const object = await lastValueFrom(sdk.storageObject.uploadFromBuffer(bytes, name, 'binary'));
  const content = await lastValueFrom(object.downloadAsBytes());
  expect(Buffer.compare(Buffer.from(content), bytes), `object ${name} (${size} bytes) round trip`).toBe(0);
  tally.bytesChecked += size;
  await expectOneEach(server, tally, '/v1/objects', 'objects', [name]);
  await lastValueFrom(object.delete(), { defaultValue: undefined });
}

/** create → exec → snapshot → a devbox from the snapshot, which sees what the first one wrote. */
export async function snapshotChain(sdk: RunloopSDK, server: TestServer, tally: Tally, tag: string): Promise<void> {
  const first = await lastValueFrom(sdk.devbox.create({ name: `faults-${tag}-a` }));
  try {
    const wrote = await lastValueFrom(first.cmd.exec(`echo ${tag} > mark.txt`));
    expect(wrote.exitCode).toBe(0);
    const snapshot = await lastValueFrom(first.snapshotDisk({ name: `faults-${tag}-snap` }));
    const second = await lastValueFrom(snapshot.createDevbox({ name: `faults-${tag}-b` }));
    try {
      const read = await lastValueFrom(second.cmd.exec('cat mark.txt').pipe(switchMap((r) => r.stdout())));
      expect(read.trim()).toBe(tag);
    } finally {
      await lastValueFrom(second.shutdown());
    }
    await expectOneEach(server, tally, '/v1/devboxes/disk_snapshots', 'snapshots', [`faults-${tag}-snap`]);
    await lastValueFrom(snapshot.delete(), { defaultValue: undefined });
  } finally {
    await lastValueFrom(first.shutdown());
  }
  await expectOneEach(server, tally, '/v1/devboxes', 'devboxes', [`faults-${tag}-a`, `faults-${tag}-b`]);
}

/** Ten devboxes created, used and shut down in parallel; one devbox per name. */
export async function tenInParallel(sdk: RunloopSDK, server: TestServer, tally: Tally, tag: string): Promise<void> {
  const names = Array.from({ length: 10 }, (_, i) => `faults-${tag}-p${i}`);
  const outputs = await lastValueFrom(
    forkJoin(
      names.map((name, i) =>
        sdk.devbox.create({ name }).pipe(
          switchMap((devbox) =>
            devbox.cmd.exec(`echo ${i}`).pipe(
              switchMap((result) => result.stdout()),
              switchMap((text) => devbox.shutdown().pipe(switchMap(() => [text.trim()]))),
            ),
          ),
        ),
      ),
    ),
  );
  expect(outputs).toEqual(names.map((_, i) => String(i)));
  await expectOneEach(server, tally, '/v1/devboxes', 'devboxes', names);
}
