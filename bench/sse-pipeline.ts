/**
 * The two CPU halves of output streaming, in this process and without a
 * network (`npm run bench -- sse-pipeline`), to profile or compare changes to
 * one half without the noise of the other: the server's producer (file →
 * `outputEvents` → SSE text) and the client's parser (SSE bytes → `parseSse`
 * → `resumableSse` → `splitLines`). Both see the bench's 48-byte lines.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, reduce } from 'rxjs';
import { ExecutionUpdateChunk } from '../src/api/views/execution.js';
import { resumableSse } from '../src/core/resumable-sse.js';
import { parseSse } from '../src/core/sse.js';
import { finishedOutput } from '../local/src/executions/output-log.js';
import { outputEvents } from '../local/src/executions/output-stream.js';
import { formatSse } from '../local/src/http/reply.js';
import { splitLines } from '../src/sdk/internal/split-lines.js';
import type { BenchContext } from './support/context.js';
import { elapsedMs, fmt, type ResultRow } from './support/stats.js';

const LINE = 'short line of output, forty-seven bytes long..\n';
const BYTES = 32 * 1024 * 1024;
const ROUNDS = 5;
/** What a socket read typically hands the client. */
const NETWORK_CHUNK = 64 * 1024;

/** Produces the SSE stream of `file` as the server would send it; returns MB/s and the SSE bytes. */
async function produce(file: string, size: number): Promise<{ mbps: number; sse: Buffer[] }> {
  const started = performance.now();
  const sse: Buffer[] = [];
  // Encoded as the server's writer does: latin1 where the producer vouches for ASCII, else UTF-8.
  for await (const event of outputEvents(await finishedOutput(file), 0))
    sse.push(Buffer.from(formatSse(event), event.ascii === true ? 'latin1' : 'utf8'));
  return { mbps: size / 1048576 / (elapsedMs(started) / 1000), sse };
}

/** Parses SSE bytes into lines as the SDK does; returns MB/s and the last line's offset. */
async function parse(chunks: readonly Buffer[], size: number): Promise<{ mbps: number; end: number }> {
  const started = performance.now();
  const end = await lastValueFrom(
    resumableSse(() => from(chunks).pipe(parseSse()), ExecutionUpdateChunk, 0).pipe(
      splitLines('stdout'),
      reduce((_, line) => line.offset, 0),
    ),
  );
  return { mbps: size / 1048576 / (elapsedMs(started) / 1000), end };
}

/** Cuts the SSE text where a socket would, regardless of events and characters. */
function networkChunks(sse: readonly Buffer[]): Buffer[] {
  const whole = Buffer.concat(sse);
  const chunks: Buffer[] = [];
  for (let at = 0; at < whole.length; at += NETWORK_CHUNK) chunks.push(whole.subarray(at, at + NETWORK_CHUNK));
  return chunks;
}

/**
 * Server producer and client parser throughput, best of {@link ROUNDS}, alternating.
 *
 * @example
 * const rows = await benchSsePipeline(ctx);
 */
export async function benchSsePipeline(_ctx: BenchContext): Promise<ResultRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'runloop-bench-sse-'));
  try {
    const file = join(dir, 'stdout');
    const text = Buffer.from(LINE.repeat(Math.floor(BYTES / LINE.length)));
    await writeFile(file, text);
    const produced: number[] = [];
    const parsed: number[] = [];
    let lost = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const { mbps, sse } = await produce(file, text.length);
      produced.push(mbps);
      const result = await parse(networkChunks(sse), text.length);
      parsed.push(result.mbps);
      if (result.end !== text.length) lost++;
    }
    const best = (xs: number[]) => Math.max(...xs);
    const label = `${fmt(text.length / 1048576, 0)} MB of 48-byte lines, in process, MB/s (best of ${ROUNDS})`;
    return [
      {
        benchmark: `sse-pipeline: server file -> SSE text, ${label}`,
        rx: fmt(best(produced)),
        official: '-',
        floor: '-',
        ahead: '-',
        target: '-',
        verdict: '-',
      },
      {
        benchmark: `sse-pipeline: client SSE bytes -> lines, ${label}`,
        rx: fmt(best(parsed)),
        official: '-',
        floor: '-',
        ahead: '-',
        target: '-',
        verdict: lost === 0 ? '-' : `WRONG: ${lost} rounds ended before the last byte`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
