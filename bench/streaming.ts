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
import { pipeFloor } from './support/floors.js';
import { elapsedMs, fmt, infoRow, interleave, median, rssMb, type ResultRow } from './support/stats.js';

const COMMAND = "seq 1 6000000 | sed 's/$/ abcdefghij/'";
const BYTES = 112_888_896;
const ROUNDS = 3;
const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);

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
    let runs;
    try {
      runs = await interleave(ROUNDS, {
        rx: () => rxRun(devbox),
        official: () => officialRun(ctx, devbox.id),
        pipe: () => pipeFloor(COMMAND).then((r) => r.mbps),
        raw: () => rawRun(ctx, devbox.id),
        inside: () => inDevboxPipe(devbox),
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
        rx: runs.rx,
        official: runs.official,
        floor: runs.pipe,
        targets: [atLeastOfficial('MB/s', 2), withinFloor('MB/s', 0.8, 'pipe floor')],
      }),
      infoRow('stream: the same command into a pipe inside the devbox (its CPU limit), MB/s', fmt(median(runs.inside))),
      infoRow('stream: raw SSE stdout stream read with undici (no parsing), MB/s', fmt(median(runs.raw))),
      infoRow('stream: client RSS MB before / peak / after', `${fmt(before, 0)} / ${fmt(peak, 0)} / ${fmt(after, 0)}`, {
        target: 'peak − before < 100 MB',
        verdict: peak - before < 100 ? 'met' : 'MISSED',
      }),
    ];
  } finally {
    await lastValueFrom(devbox.shutdown());
  }
}
