/**
 * Output streaming of short lines: a command writes 1.4 million 48-byte lines (64 MB);
 * the SDK reads them as tagged lines (`cmd.stream`), the baseline reads the
 * raw SSE stdout stream with undici. Client RSS is sampled throughout: it
 * should stay flat whatever the volume. Runs interleave SDK and raw.
 */
import { filter, firstValueFrom, lastValueFrom, reduce } from 'rxjs';
import { request } from 'undici';
import type { Devbox } from '../src/index.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, fmt, rssMb, type ResultRow } from './support/stats.js';

const LINE = 'short line of output, forty-seven bytes long..'; // + '\n' = 48 bytes
const LINES = 1_400_000;
const BYTES = LINES * (LINE.length + 1); // 67.2 MB
const COMMAND = `yes '${LINE}' | head -n ${LINES}`;
const ROUNDS = 2;

/** Tracks the peak RSS while `work` runs. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peakMb = rssMb();
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, rssMb())), 50);
  try {
    const value = await work();
    return { value, peakMb: Math.max(peakMb, rssMb()) };
  } finally {
    clearInterval(sampler);
  }
}

async function sdkRun(devbox: Devbox): Promise<{ mbps: number; bytes: number }> {
  const start = performance.now();
  const bytes = await lastValueFrom(
    devbox.cmd.stream(COMMAND).pipe(
      filter((event) => event.stream === 'stdout'),
      reduce((total, event) => total + (event.stream === 'exit' ? 0 : event.line.length + 1), 0),
    ),
  );
  return { mbps: bytes / 1024 / 1024 / (elapsedMs(start) / 1000), bytes };
}

async function rawRun(ctx: BenchContext, devboxId: string): Promise<{ mbps: number; bytes: number }> {
  const start = performance.now();
  const started = await ctx.raw.json('POST', `/v1/devboxes/${devboxId}/execute_async`, { command: COMMAND });
  const res = await request(`${ctx.server.url}/v1/devboxes/${devboxId}/executions/${started.execution_id}/stream_stdout_updates?offset=0`, {
    dispatcher: ctx.raw.agent,
    headers: { authorization: `Bearer ${ctx.server.token}`, accept: 'text/event-stream' },
  });
  let sseBytes = 0;
  for await (const chunk of res.body) sseBytes += (chunk as Buffer).length;
  // SSE framing (JSON-escaped chunks) is larger than the output; report output bytes.
  return { mbps: BYTES / 1024 / 1024 / (elapsedMs(start) / 1000), bytes: sseBytes };
}

/** @example const rows = await benchStreaming(ctx); */
export async function benchStreaming(ctx: BenchContext): Promise<ResultRow[]> {
  const devbox = await firstValueFrom(ctx.sdk.devbox.create({ name: 'bench-stream' }));
  try {
    global.gc?.();
    const before = rssMb();
    const sdk: number[] = [];
    const raw: number[] = [];
    let peak = before;
    let sdkBytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const s = await withPeakRss(() => sdkRun(devbox));
      sdk.push(s.value.mbps);
      sdkBytes = s.value.bytes;
      peak = Math.max(peak, s.peakMb);
      const r = await withPeakRss(() => rawRun(ctx, devbox.id));
      raw.push(r.value.mbps);
    }
    global.gc?.();
    const after = rssMb();
    const best = (xs: number[]) => Math.max(...xs);
    return [
      {
        benchmark: `stream ${fmt(BYTES / 1024 / 1024)} MB of 48-byte lines, MB/s (best of ${ROUNDS})`,
        sdk: fmt(best(sdk)),
        raw: fmt(best(raw)),
        ratio: fmt(best(sdk) / best(raw), 2),
        target: '>= 100 MB/s',
        verdict: best(sdk) >= 100 && sdkBytes === BYTES ? 'met' : sdkBytes !== BYTES ? `MISSED (got ${sdkBytes} B)` : 'MISSED',
      },
      {
        benchmark: 'client RSS MB before / peak / after streaming',
        sdk: `${fmt(before, 0)} / ${fmt(peak, 0)} / ${fmt(after, 0)}`,
        raw: '-',
        ratio: '-',
        target: 'flat',
        verdict: peak - before < 100 ? 'met' : 'MISSED',
      },
    ];
  } finally {
    await lastValueFrom(devbox.shutdown());
  }
}
