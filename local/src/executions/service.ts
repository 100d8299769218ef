/**
 * Command executions (runloop-api.md §7): start (deduped by command_id),
 * named-shell queues, kill, stdin, status waits and output access. Output
 * goes to files on disk; records go to the store and survive a restart.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Subject, type Observable } from 'rxjs';
import type { ExecDetail, ExecutionView } from 'runloop-rx/views';
import type { ServerContext } from '../context.js';
import type { DevboxService, LiveDevbox } from '../devboxes/service.js';
import { awaitStatus } from '../devboxes/status-wait.js';
import { NotFoundError, UnprocessableError, WrongStateError } from '../errors.js';
import { clip } from '../http/clip.js';
import type { DevboxProcess } from '../runtime/index.js';
import type { Collection } from '../store/collection.js';
import { ID_PREFIX, newId } from '../store/ids.js';
import { firstOrAbort } from './abortable.js';
import { OutputBudget, outputLimitNotice } from './output-budget.js';
import { finishedOutput, openReader, OutputLog, type OutputSource } from './output-log.js';
import { EXECUTION_COLLECTION, toExecutionView, type ExecutionRecord, type Tails } from './record.js';
import { collectRun } from './runner.js';
import { inShell, KeyedQueue } from './shell.js';
import { DEFAULT_LAST_N, MAX_TAIL_BYTES, tailLines } from './tail.js';

/**
 * What starts an execution.
 *
 * @example
 * executions.start('dbx_1', { command: 'make test', shell_name: 'build' });
 */
export interface StartParams {
  readonly command: string;
  readonly command_id?: string | null;
  readonly shell_name?: string | null | undefined;
  readonly attach_stdin?: boolean | null;
}

/**
 * Which output.
 *
 * @example
 * await executions.output(record, 'stderr' satisfies StreamName);
 */
export type StreamName = 'stdout' | 'stderr';

interface LiveExecution {
  readonly devbox: LiveDevbox;
  /** Resolves once both output logs exist. */
  readonly logs: Promise<{ readonly stdout: OutputLog; readonly stderr: OutputLog }>;
  /** Resolves with the completed record. */
  readonly done: Promise<ExecutionRecord>;
  child: DevboxProcess | undefined;
  killed: boolean;
  /** Stdin sent before the process started (queued, or still opening its logs). */
  readonly pendingStdin: Array<{
    readonly text?: string | null | undefined;
    readonly signal?: string | null | undefined;
  }>;
}

function feedStdin(
  live: LiveExecution,
  child: DevboxProcess,
  text: string | null | undefined,
  signal: string | null | undefined,
): void {
  if (typeof text === 'string' && text.length > 0 && child.stdin.writable) child.stdin.write(text);
  if (signal === 'EOF') child.stdin.end();
  if (signal === 'INTERRUPT') void live.devbox.handle.killGroup(child, 'SIGINT');
}

/**
 * The executions of one server.
 *
 * @example
 * const executions = new ExecutionService(ctx, () => ctx.services.devboxes);
 * const record = executions.start('dbx_1', { command: 'echo hi' });
 */
export class ExecutionService {
  readonly records: Collection<ExecutionRecord>;
  readonly #changes = new Subject<ExecutionRecord>();
  /** Every status change of any execution, as stored. */
  readonly changes$: Observable<ExecutionRecord> = this.#changes.asObservable();
  readonly #live = new Map<string, LiveExecution>();
  readonly #shells = new KeyedQueue();
  readonly #outputBudget = new OutputBudget();

  constructor(
    private readonly ctx: ServerContext,
    /** Resolved on use: services find each other lazily. */
    private readonly devboxesOf: () => DevboxService,
  ) {
    this.records = ctx.store.collection('executions', EXECUTION_COLLECTION);
  }

  private get devboxes(): DevboxService {
    return this.devboxesOf();
  }

  /** Directory of an execution's output files. */
  outputDir(id: string): string {
    return join(this.ctx.config.dataDir, 'executions', id);
  }

  /** The record of `id` on `devboxId`; 404 when either is unknown or they do not match. */
  get(devboxId: string, id: string): ExecutionRecord {
    this.devboxes.get(devboxId);
    const record = this.records.get(id);
    if (record === undefined || record.devbox_id !== devboxId) {
      throw new NotFoundError('execution', id, {
        message: `execution ${clip(id)} does not exist on devbox ${devboxId}`,
      });
    }
    return record;
  }

  /**
   * Starts a command (or returns the execution already started with the
   * same `command_id` on this devbox: a retry never runs a command twice).
   */
  start(devboxId: string, params: StartParams): ExecutionRecord {
    const commandKey = params.command_id ? `${devboxId}/${params.command_id}` : null;
    if (commandKey !== null) {
      const [existing] = this.records.all({ command_key: commandKey });
      if (existing !== undefined) return existing;
    }
    const devbox = this.devboxes.requireRunning(devboxId);
    const now = this.ctx.now();
    const shell = params.shell_name ?? null;
    const shellKey = shell === null ? null : `${devboxId}/${shell}`;
    const record: ExecutionRecord = this.records.put({
      id: newId(ID_PREFIX.execution, now),
      devbox_id: devboxId,
      command: params.command,
      shell_name: shell,
      status: shellKey !== null && this.#shells.busy(shellKey) ? 'queued' : 'running',
      exit_status: null,
      command_key: commandKey,
      attach_stdin: params.attach_stdin === true,
      create_time_ms: now,
      end_time_ms: null,
      lost: false,
    });
    this.devboxes.touch(devboxId);
    this.devboxes.log(devboxId, {
      level: 'info',
      source: 'exec',
      cmd: params.command,
      cmd_id: record.id,
      shell_name: shell,
    });
    const logs = this.#openLogs(record.id);
    let markDone!: (r: ExecutionRecord) => void;
    const live: LiveExecution = {
      devbox,
      logs,
      done: new Promise((resolve) => (markDone = resolve)),
      child: undefined,
      killed: false,
      pendingStdin: [],
    };
    this.#live.set(record.id, live);
    const run = () => this.#run(record, live);
    const finished = shellKey === null ? run() : this.#shells.run(shellKey, run);
    void finished.then(markDone, (error: unknown) => {
      this.ctx.log.error('execution failed to run', { id: record.id, error: String(error) });
      markDone(this.#complete(record.id, null));
    });
    return record;
  }

  /** The view with `lastN`-line tails of both outputs. */
  async view(record: ExecutionRecord, lastN = DEFAULT_LAST_N): Promise<ExecutionView> {
    return toExecutionView(record, await this.#tails(record, lastN, MAX_TAIL_BYTES));
  }

  /** The ExecDetail of a completed execution (execute_sync): whole outputs up to the tail cap. */
  async detail(record: ExecutionRecord): Promise<ExecDetail> {
    const tails = await this.#tails(record, Number.MAX_SAFE_INTEGER, MAX_TAIL_BYTES);
    return {
      devbox_id: record.devbox_id,
      exit_status: record.exit_status ?? -1,
      stdout: tails.stdout.text,
      stderr: tails.stderr.text,
      shell_name: record.shell_name,
    };
  }

  /** Resolves with the completed record (at once if completed). */
  async completed(record: ExecutionRecord): Promise<ExecutionRecord> {
    return record.status === 'completed'
      ? record
      : (this.#live.get(record.id)?.done ?? this.records.get(record.id) ?? record);
  }

  /**
   * The record once it is in one of `statuses`, or undefined after `holdMs`
   * (or when the client went away).
   */
  async waitFor(
    record: ExecutionRecord,
    statuses: readonly string[],
    holdMs: number,
    signal: AbortSignal,
  ): Promise<ExecutionRecord | undefined> {
    const found = await firstOrAbort(
      awaitStatus(() => this.records.get(record.id), this.changes$, record.id, [...statuses, 'completed'], holdMs),
      signal,
      this.ctx.stopping,
    );
    return found === 'timeout' ? undefined : found;
  }

  /** Kills the command's whole process group; resolves with the completed record. */
  async kill(record: ExecutionRecord): Promise<ExecutionRecord> {
    const live = this.#live.get(record.id);
    if (live === undefined) return this.records.get(record.id) ?? record;
    live.killed = true;
    // The answer means "nothing of it runs any more": wait for the whole group, not just the leader.
    const groupGone =
      live.child === undefined ? Promise.resolve() : live.devbox.handle.killGroup(live.child, 'SIGKILL');
    const [done] = await Promise.all([live.done, groupGone]);
    return done;
  }

  /** Writes to (or closes, or interrupts) the stdin of an execution started with `attach_stdin`. */
  sendStdin(record: ExecutionRecord, text: string | null | undefined, signal: string | null | undefined): void {
    const live = this.#live.get(record.id);
    if (!record.attach_stdin)
      throw new UnprocessableError('stdin_not_attached', `execution ${record.id} was not started with attach_stdin`);
    if (live === undefined || record.status === 'completed') {
      throw new WrongStateError(`execution ${record.id} is ${record.status}; its stdin is not open`);
    }
    if (live.child === undefined) live.pendingStdin.push({ text, signal });
    else feedStdin(live, live.child, text, signal);
  }

  /** An output of an execution, live while it runs, from disk afterwards. */
  async output(record: ExecutionRecord, name: StreamName): Promise<OutputSource> {
    const live = this.#live.get(record.id);
    if (live !== undefined) return (await live.logs)[name];
    return finishedOutput(join(this.outputDir(record.id), name));
  }

  /** After a restart: executions that were running when the server died are completed, outcome unknown. */
  reconcile(): void {
    for (const record of this.records.all({ status: { in: ['queued', 'running'] } })) {
      if (this.#live.has(record.id)) continue;
      const next = this.records.update(record.id, (r) => ({
        ...r,
        status: 'completed',
        exit_status: null,
        lost: true,
        end_time_ms: this.ctx.now(),
      }));
      if (next !== undefined) this.#changes.next(next);
    }
  }

  /** Server stop: kills every running execution (its devbox is shut down next) and waits for the records. */
  async close(): Promise<void> {
    const live = [...this.#live.values()];
    for (const execution of live) {
      execution.killed = true;
      if (execution.child !== undefined) void execution.devbox.handle.killGroup(execution.child, 'SIGKILL');
    }
    await Promise.allSettled(live.map((l) => l.done));
  }

  async #openLogs(id: string): Promise<{ stdout: OutputLog; stderr: OutputLog }> {
    const dir = this.outputDir(id);
    await mkdir(dir, { recursive: true });
    const [stdout, stderr] = await Promise.all([
      OutputLog.create(join(dir, 'stdout')),
      OutputLog.create(join(dir, 'stderr')),
    ]);
    return { stdout, stderr };
  }

  async #run(record: ExecutionRecord, live: LiveExecution): Promise<ExecutionRecord> {
    if (live.killed || this.devboxes.records.get(record.devbox_id)?.status !== 'running') {
      const logs = await live.logs;
      await Promise.all([logs.stdout.close(), logs.stderr.close()]);
      return this.#complete(record.id, live.killed ? 137 : null);
    }
    if (this.records.get(record.id)?.status === 'queued') this.#setRunning(record.id);
    const command = record.shell_name === null ? record.command : inShell(record.shell_name, record.command);
    let child: DevboxProcess;
    try {
      child = live.devbox.handle.spawn({ command, env: live.devbox.env });
    } catch (error) {
      const logs = await live.logs;
      await Promise.all([logs.stdout.close(), logs.stderr.close()]);
      throw error;
    }
    live.child = child;
    const exited = child.exited;
    // Spawning does not wait for the logs to open (a few ms on the hot path):
    // collectRun reads the pipes at once and holds the bytes until they are.
    const collected = collectRun(
      this.#metered(live, child),
      exited,
      live.logs.then((l) => l.stdout),
      live.logs.then((l) => l.stderr),
    );
    child.stdin.on('error', () => undefined);
    if (!record.attach_stdin) child.stdin.end();
    for (const { text, signal } of live.pendingStdin.splice(0)) feedStdin(live, child, text, signal);
    return this.#complete(record.id, await collected);
  }

  /** The command's output as it is stored: within its devbox's output budget (see output-budget.ts). */
  #metered(live: LiveExecution, child: DevboxProcess): DevboxProcess {
    const { id, outputBudgetBytes: cap } = live.devbox;
    let noticed = false;
    const notice = (): void => {
      if (noticed || stderr.writableEnded) return;
      noticed = true;
      stderr.push(Buffer.from(outputLimitNotice(cap)));
    };
    const stdout = child.stdout.pipe(this.#outputBudget.meter(id, cap, notice));
    const stderr = child.stderr.pipe(this.#outputBudget.meter(id, cap, notice));
    return {
      stdin: child.stdin,
      stdout,
      stderr,
      exited: child.exited,
      closed: child.closed,
      groupAlive: () => child.groupAlive(),
      kill: (signal) => child.kill(signal),
    };
  }

  #setRunning(id: string): void {
    const next = this.records.update(id, (r) => ({ ...r, status: 'running' }));
    if (next !== undefined) this.#changes.next(next);
  }

  #complete(id: string, exitStatus: number | null): ExecutionRecord {
    const next = this.records.update(id, (r) => ({
      ...r,
      status: 'completed',
      exit_status: exitStatus,
      end_time_ms: this.ctx.now(),
    }))!;
    this.#live.delete(id);
    this.devboxes.touch(next.devbox_id);
    this.devboxes.log(next.devbox_id, {
      level: 'info',
      source: 'exec',
      cmd: next.command,
      cmd_id: id,
      shell_name: next.shell_name,
      exit_code: exitStatus,
    });
    this.#changes.next(next);
    return next;
  }

  async #tails(record: ExecutionRecord, lastN: number, maxBytes: number): Promise<Tails> {
    const one = async (name: StreamName) => {
      const reader = await openReader(join(this.outputDir(record.id), name));
      try {
        return await tailLines(reader, await reader.size(), lastN, maxBytes);
      } finally {
        await reader.close();
      }
    };
    const [stdout, stderr] = await Promise.all([one('stdout'), one('stderr')]);
    return { stdout, stderr };
  }
}
