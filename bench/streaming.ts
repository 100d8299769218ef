/**
 * Output streaming of short lines: a command prints about 113 MB of short
 * lines (`seq | sed`, the workload). runloop-rx reads them as tagged
 * lines (`cmd.stream`), the official client through its stdout line callback
 * (`cmd.exec(command, { stdout })`, which hands it whole chunks of lines); the floor is the same command's output
 * read through a pipe on the host, measured in the same run. Also reported:
 * the same pipe rate inside the devbox (its CPU limit applies there), the raw
 * SSE stream read with undici, and the client's RSS, which should stay flat.
 */
import { filter, firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { request } from 'undici';
import type { Devbox } from '../src/index.js';
import { atLeastOfficial, compareRow, withinFloor } from './support/compare.js';
import type { BenchContext } from './support/context.js';
import { withCpu, type CpuSplit } from './support/cpu.js';
import { pipeFloor } from './support/floors.js';
import { elapsedMs, fmt, infoRow, interleave, median, rssMb, type ResultRow } from './support/stats.js';

const COMMAND = "seq 1 6000000 | sed 's/$/ abcdefghij/'";
const BYTES = 112_888_896;
const ROUNDS = 3;
const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

interface Measured {
  readonly mbps: number;
  readonly cpu: CpuSplit;
}

/** CPU seconds per 100 MB of output, by process (medians over rounds): `client / server / devbox`. */
function cpuPer100Mb(runs: readonly Measured[]): string {
  const per = (pick: (cpu: CpuSplit) => number) =>
    fmt((median(runs.map((r) => pick(r.cpu))) * 100) / (BYTES / 1048576), 2);
  return `${per((c) => c.client)} / ${per((c) => c.server)} / ${per((c) => c.devbox)}`;
}

async function rxRun(devbox: Devbox): Promise<number> {
  const start = performance.now();
  const bytes = await lastValueFrom(
    devbox.cmd.stream(COMMAND).pipe(
      filter((event) => event.stream === 'stdout'),
      reduce((total, event) => total + (event.stream === 'exit' ? 0 : event.line.length + 1), 0),
    ),
  );
  if (bytes !== BYTES) throw new Error(`runloop-rx streamed ${bytes} bytes, expected ${BYTES}`);
  return mbps(BYTES, elapsedMs(start));
}

async function officialRun(ctx: BenchContext, id: string): Promise<number> {
  const start = performance.now();
  // Its "line" callback is handed the text as it arrives (whole chunks of lines), so its length is counted.
  let chars = 0;
  const result = await ctx.official.sdk.devbox
    .fromId(id)
    .cmd.exec(COMMAND, { stdout: (text: string) => void (chars += text.length) });
  if (result.exitCode !== 0 || chars !== BYTES)
    throw new Error(`official client: exit ${result.exitCode}, ${chars} of ${BYTES} characters`);
  return mbps(BYTES, elapsedMs(start));
}

async function rawRun(ctx: BenchContext, devboxId: string): Promise<number> {
  const start = performance.now();
  const started = await ctx.raw.json('POST', `/v1/devboxes/${devboxId}/execute_async`, { command: COMMAND });
  const res = await request(
    `${ctx.server.url}/v1/devboxes/${devboxId}/executions/${started.execution_id}/stream_stdout_updates?offset=0`,
    {
      dispatcher: ctx.raw.agent,
      headers: { authorization: `Bearer ${ctx.server.token}`, accept: 'text/event-stream' },
    },
  );
  for await (const chunk of res.body) void chunk;
  // SSE framing is larger than the output; the rate is of the output.
  return mbps(BYTES, elapsedMs(start));
}

/** The command's own rate into a pipe inside the devbox (under its CPU limit), from the devbox's clock. */
async function inDevboxPipe(devbox: Devbox): Promise<number> {
  const result = await lastValueFrom(
    devbox.cmd.exec(`s=$(date +%s%N); ${COMMAND} | cat > /dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 ))`),
  );
  const micros = Number((await firstValueFrom(result.stdout())).trim());
  return mbps(BYTES, micros / 1000);
}

/** @example const rows = await benchStreaming(ctx); */
export async function benchStreaming(ctx: BenchContext): Promise<ResultRow[]> {
  const devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-stream' }));
  try {
    global.gc?.();
    const before = rssMb();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 50);
    const measured = async (run: () => Promise<number>): Promise<Measured> => {
      const { value, cpu } = await withCpu(ctx.server, devbox.id, run);
      return { mbps: value, cpu };
    };
    let runs;
    try {
      runs = await interleave(ROUNDS, {
        rx: () => measured(() => rxRun(devbox)),
        official: () => measured(() => officialRun(ctx, devbox.id)),
        pipe: () => measured(() => pipeFloor(COMMAND).then((r) => r.mbps)),
        raw: () => measured(() => rawRun(ctx, devbox.id)),
        inside: () => measured(() => inDevboxPipe(devbox)),
      });
    } finally {
      clearInterval(sampler);
    }
    global.gc?.();
    const after = rssMb();
    return [
      compareRow({
        benchmark: `stream ${fmt(BYTES / 1024 / 1024)} MB of short lines (seq | sed) as lines (floor: its output into a host pipe)`,
        unit: 'MB/s',
        rx: runs.rx.map((r) => r.mbps),
        official: runs.official.map((r) => r.mbps),
        floor: runs.pipe.map((r) => r.mbps),
        targets: [atLeastOfficial('MB/s', 2), withinFloor('MB/s', 0.8, 'pipe floor')],
      }),
      infoRow(
        'stream: the same command into a pipe inside the devbox (its CPU limit), MB/s',
        fmt(median(runs.inside.map((r) => r.mbps))),
      ),
      infoRow('stream: CPU s per 100 MB, runloop-rx: client / server / devbox (agent + command)', cpuPer100Mb(runs.rx)),
      infoRow(
        'stream: CPU s per 100 MB, official: client / server / devbox (agent + command)',
        cpuPer100Mb(runs.official),
      ),
      infoRow(
        'stream: CPU s per 100 MB, raw SSE read: client / server / devbox (agent + command)',
        cpuPer100Mb(runs.raw),
      ),
      infoRow('stream: CPU s per 100 MB, pipe inside the devbox: devbox', cpuPer100Mb(runs.inside).split(' / ')[2]!),
      infoRow(
        'stream: raw SSE stdout stream read with undici (no parsing), MB/s',
        fmt(median(runs.raw.map((r) => r.mbps))),
      ),
      infoRow('stream: client RSS MB before / peak / after', `${fmt(before, 0)} / ${fmt(peak, 0)} / ${fmt(after, 0)}`, {
        target: 'peak − before < 100 MB',
        verdict: peak - before < 100 ? 'met' : 'MISSED',
      }),
    ];
  } finally {
    await lastValueFrom(devbox.shutdown());
  }
}
