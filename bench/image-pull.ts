/**
 * `npm run bench -- image-pull`: how long pulling and unpacking a FROM
 * image takes, and what it costs in memory, for the two ways considered:
 * runloop-local's own client (fetch + tar-stream, straight into cached
 * overlay layers, owners shifted on the way) and Debian's skopeo + umoci
 * (copy to an OCI layout, then unpack a flattened bundle, then shift the
 * owners). The image is the local Debian base root filesystem (~186 MB, one
 * gzip layer) plus a small layer with a whiteout and an opaque dir, served
 * by a docker-registry on loopback. Reports; never fails. Needs root, the
 * test-only packages and `skopeo`/`umoci` (optional: skipped when absent).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBaseRootfs } from '../local/src/runtime/rootfs.js';
import { shiftTree } from '../local/src/runtime/oci/id-shift.js';
import { layerOf, makeLayer, pushImage, type Layer } from '../local/test/images/oci-image.js';
import { startRegistry } from '../local/test/images/registry.js';

const run = promisify(execFile);
const RUNS = 3;
const IDS = { hostStart: 100_000, size: 65_536 };

async function tarGzLayer(dir: string): Promise<Layer> {
  const { stdout } = await run('/bin/sh', ['-c', `tar --numeric-owner --xattrs -C "$1" -cf - . | gzip -6`, 'sh', dir], {
    encoding: 'buffer',
    maxBuffer: 1 << 30,
  });
  return layerOf(stdout);
}

/** `/usr/bin/time` wall seconds and peak RSS (kB) of a command. */
function timeCommand(argv: string[]): { seconds: number; maxRssKb: number } {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${argv[0]} failed: ${result.stderr}`);
  const [seconds, rss] = result.stderr.trim().split('\n').pop()!.split(' ');
  return { seconds: Number(seconds), maxRssKb: Number(rss) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function benchImagePull(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'rl-bench-pull-'));
  const registry = await startRegistry();
  try {
    const rootfs = await ensureBaseRootfs();
    const base = await tarGzLayer(rootfs);
    const top = await makeLayer([
      { name: 'etc/.wh.os-release' },
      { name: 'opt/', type: 'directory' },
      { name: 'opt/.wh..wh..opq' },
      { name: 'opt/new.txt', content: 'new\n' },
    ]);
    await pushImage(registry.url, 'bench/debian', '1', [base, top], { Env: ['PATH=/usr/bin:/bin'] });
    const mb = (base.blob.length + top.blob.length) / 1e6;
    console.log(
      `image: ${mb.toFixed(1)} MB compressed in 2 layers (${(Number((await run('du', ['-sb', rootfs])).stdout.split('\t')[0]) / 1e6).toFixed(0)} MB unpacked)`,
    );

    const ours: { ms: number; maxRssKb: number }[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const dir = join(scratch, `ours-${i}`);
      // Under /usr/bin/time, so the peak memory is this pull's process alone.
      const timed = spawnSync(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          process.execPath,
          '--import',
          'tsx',
          'bench/support/pull-once.ts',
          `${registry.host}/bench/debian:1`,
          dir,
          registry.url,
        ],
        { encoding: 'utf8' },
      );
      if (timed.status !== 0) throw new Error(`own client failed: ${timed.stderr}`);
      const result = JSON.parse(timed.stdout) as { ms: number; layers: string[] };
      ours.push({ ms: result.ms, maxRssKb: Number(timed.stderr.trim().split('\n').pop()) });
      const [topLayer, baseLayer] = result.layers as [string, string];
      const ok =
        lstatSync(join(baseLayer, 'etc/os-release')).uid === IDS.hostStart &&
        lstatSync(join(topLayer, 'etc/os-release')).isCharacterDevice();
      if (!ok) console.log('  own client: WRONG owners or whiteout');
      await rm(dir, { recursive: true, force: true });
    }
    const idle = timeCommand([process.execPath, '--import', 'tsx', '-e', '0']);
    console.log(
      `own client (fetch + tar-stream → overlay layers, shifted): median ${median(ours.map((r) => r.ms)).toFixed(0)} ms, peak RSS ${median(ours.map((r) => r.maxRssKb / 1024)).toFixed(0)} MiB (node + tsx doing nothing: ${(idle.maxRssKb / 1024).toFixed(0)} MiB)`,
    );

    if (!existsSync('/usr/bin/skopeo') || !existsSync('/usr/bin/umoci')) {
      console.log('skopeo/umoci: not installed, skipped');
      return;
    }
    const copies: number[] = [];
    const unpacks: number[] = [];
    const shifts: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const layout = join(scratch, `oci-${i}`);
      const bundle = join(scratch, `bundle-${i}`);
      const copy = timeCommand([
        'skopeo',
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        `docker://${registry.host}/bench/debian:1`,
        `oci:${layout}:1`,
      ]);
      const unpack = timeCommand(['umoci', 'unpack', '--image', `${layout}:1`, bundle]);
      const started = performance.now();
      await shiftTree(join(bundle, 'rootfs'), IDS);
      shifts.push(performance.now() - started);
      copies.push(copy.seconds * 1000);
      unpacks.push(unpack.seconds * 1000);
      rss.push(Math.max(copy.maxRssKb, unpack.maxRssKb) / 1024);
      const ok =
        !existsSync(join(bundle, 'rootfs/etc/os-release')) &&
        lstatSync(join(bundle, 'rootfs/bin')).uid === IDS.hostStart;
      if (!ok) console.log('  skopeo+umoci: WRONG whiteout or owners');
      await rm(layout, { recursive: true, force: true });
      await rm(bundle, { recursive: true, force: true });
    }
    const total = median(copies) + median(unpacks) + median(shifts);
    console.log(
      `skopeo copy + umoci unpack + shift: median ${total.toFixed(0)} ms (copy ${median(copies).toFixed(0)}, unpack ${median(unpacks).toFixed(0)}, shift ${median(shifts).toFixed(0)}), peak RSS ${median(rss).toFixed(0)} MiB; one flattened tree per image, no per-layer cache`,
    );
  } finally {
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
