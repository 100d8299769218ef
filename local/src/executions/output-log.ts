/**
 * One output stream (stdout or stderr) of an execution, kept in a file on
 * disk and never whole in memory. Offsets are byte offsets into that file.
 *
 * Readers learn about growth from `progress$` (a notification from the
 * writer), so nobody polls the disk.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { Observable, of, ReplaySubject } from 'rxjs';

/**
 * How far an output is flushed, and whether it can still grow.
 *
 * @example
 * log.progress$.subscribe(({ size, done }) => console.log(size, done));
 */
export interface OutputProgress {
  /** Bytes written to disk so far: everything below this offset can be read. */
  readonly size: number;
  /** True once the output is final: it will never grow past `size`. */
  readonly done: boolean;
}

/**
 * Random access to an output's bytes, open until `close`.
 *
 * @example
 * const reader = await log.open(); const head = await reader.read(0, 100); await reader.close();
 */
export interface OutputReader {
  /** Reads the bytes in `[start, end)`; fewer only at end of file. */
  read(start: number, end: number): Promise<Buffer>;
  /** Bytes in the file now. */
  size(): Promise<number>;
  close(): Promise<void>;
}

/**
 * What a reader needs from an output: its progress and its bytes.
 *
 * @example
 * outputEvents(await executions.output(record, 'stdout'), 0);
 */
export interface OutputSource {
  /** Emits the current progress at once, then every change; completes after `done`. */
  readonly progress$: Observable<OutputProgress>;
  /** Opens the output for reading; each reader has its own descriptor, so closing the writer never breaks it. */
  open(): Promise<OutputReader>;
}

/**
 * How many bytes {@link OutputLog.writable} takes before it pushes back on
 * the producer (per output; a bound, not a whole output).
 *
 * @example
 * new Writable({ highWaterMark: WRITE_BUFFER_BYTES });
 */
export const WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * How much of its latest output a log keeps in memory for readers that lag
 * a little (an SSE client slower than the command for a moment), so they
 * need not read it back from disk. Held only while the log is open.
 *
 * @example
 * if (log.size - readerPosition <= RECENT_BYTES) console.log('served from memory');
 */
export const RECENT_BYTES = 512 * 1024;

/**
 * An append-only output file with a byte counter and a change notification.
 *
 * @example
 * const log = await OutputLog.create('/data/executions/exe_1/stdout');
 * child.stdout.pipe(log.writable());
 * log.progress$.subscribe(({ size, done }) => console.log(size, done));
 */
export class OutputLog implements OutputSource {
  // A ReplaySubject, not a BehaviorSubject: late readers of a closed log must still see its final size.
  readonly #progress = new ReplaySubject<OutputProgress>(1);
  #current: OutputProgress;
  // The latest appends, still in memory (chunks as they came, not joined; at least the last append,
  // at most about RECENT_BYTES more): a reader that keeps up, or nearly, reads from here, not from disk.
  #recent: Buffer[] = [];
  #recentStart = 0;
  #recentBytes = 0;
  readonly progress$: Observable<OutputProgress>;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    size: number,
  ) {
    this.#current = { size, done: false };
    this.#progress.next(this.#current);
    this.progress$ = this.#progress.asObservable();
  }

  /**
   * Creates (or reopens for append) the file at `path`.
   *
   * @example
   * const log = await OutputLog.create(join(dir, 'stdout'));
   */
  static async create(path: string): Promise<OutputLog> {
    const fh = await open(path, 'a');
    const { size } = await fh.stat();
    return new OutputLog(path, fh, size);
  }

  /** Bytes flushed so far. */
  get size(): number {
    return this.#current.size;
  }

  get done(): boolean {
    return this.#current.done;
  }

  /**
   * Appends bytes; resolves once they are on disk and readers were told.
   *
   * @example
   * await log.append(Buffer.from('hello\n'));
   */
  async append(chunk: Uint8Array): Promise<void> {
    await this.appendAll([chunk]);
  }

  /**
   * Appends several chunks with one `writev`, then tells readers once. The
   * log keeps the latest append for its readers: do not change a chunk after
   * appending it (stream chunks never are).
   *
   * @example
   * await log.appendAll([Buffer.from('a\n'), Buffer.from('b\n')]);
   */
  async appendAll(chunks: readonly Uint8Array[]): Promise<void> {
    if (this.done) throw new Error(`output ${this.path} is already closed`);
    const total = chunks.reduce((sum, c) => sum + c.byteLength, 0);
    if (total === 0) return;
    let written = (await this.fh.writev(chunks as Uint8Array[])).bytesWritten;
    if (written < total) {
      // A short write (disk nearly full, signal): finish the rest one write at a time.
      const rest = Buffer.concat(chunks);
      while (written < total) written += (await this.fh.write(rest, written, total - written)).bytesWritten;
    }
    this.#remember(chunks);
    this.#publish({ size: this.size + written, done: false });
  }

  /**
   * A Writable that appends to this log with backpressure, so a fast
   * producer never piles up in memory. It does not close the log on finish.
   * Up to {@link WRITE_BUFFER_BYTES} queue while a write is on its way to
   * disk, and go to disk together: the producer's pipe keeps being read
   * instead of waiting for each chunk's write.
   *
   * @example
   * await pipeline(child.stdout, log.writable());
   */
  writable(): Writable {
    return new Writable({
      highWaterMark: WRITE_BUFFER_BYTES,
      write: (chunk: Buffer, _enc, cb) => {
        this.append(chunk).then(() => cb(), cb);
      },
      writev: (chunks, cb) => {
        this.appendAll(chunks.map((c) => c.chunk as Buffer)).then(() => cb(), cb);
      },
    });
  }

  /** @example const reader = await log.open(); await reader.read(0, 10); */
  async open(): Promise<OutputReader> {
    const disk = await openReader(this.path);
    return { ...disk, read: (start, end) => this.#fromLatest(start, end) ?? disk.read(start, end) };
  }

  /** Keeps an append's chunks for readers, forgetting the oldest past {@link RECENT_BYTES}. */
  #remember(chunks: readonly Uint8Array[]): void {
    if (this.#recentBytes === 0) this.#recentStart = this.size;
    for (const c of chunks) {
      if (c.byteLength === 0) continue;
      this.#recent.push(Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));
      this.#recentBytes += c.byteLength;
    }
    while (this.#recent.length > 1 && this.#recentBytes - this.#recent[0]!.length >= RECENT_BYTES) {
      const oldest = this.#recent.shift()!;
      this.#recentStart += oldest.length;
      this.#recentBytes -= oldest.length;
    }
  }

  /** `[start, end)` if the recent appends hold all of it: a view when one chunk does, else joined. */
  #fromLatest(start: number, end: number): Promise<Buffer> | undefined {
    if (start < this.#recentStart || end > this.#recentStart + this.#recentBytes) return undefined;
    const parts: Buffer[] = [];
    let at = this.#recentStart;
    for (const chunk of this.#recent) {
      const from = Math.max(start, at);
      const to = Math.min(end, at + chunk.length);
      if (from < to) parts.push(chunk.subarray(from - at, to - at));
      at += chunk.length;
      if (at >= end) break;
    }
    if (at < end) return undefined;
    return Promise.resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  #publish(progress: OutputProgress): void {
    this.#current = progress;
    this.#progress.next(progress);
  }

  /**
   * Marks the output final and closes the file. Safe to call twice.
   *
   * @example
   * await log.close();
   */
  async close(): Promise<void> {
    if (this.done) return;
    this.#publish({ size: this.size, done: true });
    this.#progress.complete();
    this.#recent = [];
    this.#recentBytes = 0;
    await this.fh.close();
  }
}

/**
 * A finished output read back from disk (after the execution ended or the
 * server restarted). A missing file reads as empty.
 *
 * @example
 * const source = await finishedOutput('/data/executions/exe_1/stdout');
 */
export async function finishedOutput(path: string): Promise<OutputSource> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  return { progress$: of({ size, done: true }), open: () => openReader(path) };
}

/**
 * Opens `path` for random reads; a missing file reads as empty.
 *
 * @example
 * const reader = await openReader(path); const head = await reader.read(0, 100); await reader.close();
 */
export async function openReader(path: string): Promise<OutputReader> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (fh === undefined) return { read: async () => Buffer.alloc(0), size: async () => 0, close: async () => {} };
  return {
    read: (start, end) => readRange(fh, start, end),
    size: async () => (await fh.stat()).size,
    close: () => fh.close(),
  };
}

async function readRange(fh: FileHandle, start: number, end: number): Promise<Buffer> {
  const length = Math.max(0, end - start);
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, start + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}
