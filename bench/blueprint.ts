/**
 * Blueprint build time: a small Dockerfile (a base image and one RUN step)
 * built through runloop-rx and the official client, interleaved; each
 * create waits until the build is complete. Blueprints are deleted after.
 */
import { lastValueFrom } from 'rxjs';
import { atLeastOfficial, compareRow } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, interleave, type ResultRow } from './support/stats.js';

const ROUNDS = 2;
const DOCKERFILE =
  'FROM runloop:runloop/starter-x86_64\nRUN echo built > /opt/built.txt && ls /usr/bin > /opt/listing.txt\n';

async function rxBuild(ctx: BenchContext, round: number): Promise<number> {
  const start = performance.now();
  const blueprint = await lastValueFrom(
    ctx.sdk.blueprint.create({ name: `bench-bp-rx-${round}`, dockerfile: DOCKERFILE }),
  );
  const ms = elapsedMs(start);
  await lastValueFrom(blueprint.delete());
  return ms;
}

async function officialBuild(ctx: BenchContext, round: number): Promise<number> {
  const start = performance.now();
  const blueprint = await ctx.official.sdk.blueprint.create({
    name: `bench-bp-official-${round}`,
    dockerfile: DOCKERFILE,
  });
  const ms = elapsedMs(start);
  const info = await blueprint.getInfo();
  if (info.status !== 'build_complete') throw new Error(`official blueprint build: ${info.status}`);
  await blueprint.delete();
  return ms;
}

/** @example const rows = await benchBlueprint(ctx); */
export async function benchBlueprint(ctx: BenchContext): Promise<ResultRow[]> {
  let round = 0;
  const runs = await interleave(ROUNDS, {
    rx: () => rxBuild(ctx, round++),
    official: () => officialBuild(ctx, round++),
  });
  return [
    compareRow({
      benchmark: `blueprint build (FROM + one RUN), until complete, n=${ROUNDS}`,
      unit: 'ms',
      digits: 0,
      rx: runs.rx,
      official: runs.official,
      targets: [atLeastOfficial('ms')],
    }),
  ];
}
