import {
  asyncScheduler,
  defer,
  distinctUntilChanged,
  filter,
  map,
  switchMap,
  take,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { DevboxEvictionEventView, DevboxLogsView, DevboxStatus, DevboxView } from '../api/views/devbox.js';
import type { TunnelView } from '../api/views/net.js';
import { DevboxCmd, type ExecOptions } from './devbox-cmd.js';
import { DevboxFile } from './devbox-file.js';
import { DevboxNet } from './devbox-net.js';
import type { Execution } from './execution.js';
import type { ExecutionResult } from './execution-result.js';
import type { CallOptions, WaitOptions } from './options.js';
import { Snapshot } from './snapshot.js';
import { requestOptions, type SdkContext } from './internal/context.js';
import { awaitDevboxStatus, watchDevbox } from './internal/devbox-waits.js';
import { evictionFeed } from './internal/eviction-feed.js';
import { shareState } from './internal/share-state.js';
import { awaitSnapshotCompleted } from './internal/snapshot-waits.js';
import { asVoid } from './internal/as-void.js';
import { definedFields } from './internal/defined-fields.js';
import { snapshotToWire, type SdkSnapshotParams } from './params/snapshot.js';

/**
 * A named persistent shell: `cmd` with `shellName` filled in.
 *
 * @example
 * const sh: DevboxShell = devbox.shell('build');
 * sh.exec('cd src').pipe(switchMap(() => sh.exec('ls'))).subscribe();
 */
export interface DevboxShell {
  readonly name: string;
  exec(
    command: string,
    options?: Omit<ExecOptions, 'shellName'>,
    scheduler?: SchedulerLike,
  ): Observable<ExecutionResult>;
  execAsync(
    command: string,
    options?: Omit<ExecOptions, 'shellName'>,
    scheduler?: SchedulerLike,
  ): Observable<Execution>;
}

/**
 * Which logs `devbox.logs` reads: one execution's, one named shell's, or all.
 *
 * @example
 * devbox.logs({ shellName: 'build' });
 */
export interface DevboxLogsParams {
  readonly executionId?: string;
  readonly shellName?: string;
}

/**
 * A devbox. Methods are cold Observables; `info$` / `status$` are shared.
 * Holding a Devbox does not keep it alive or shut it down: use
 * `runloop.devbox.use(...)` for a scoped devbox.
 *
 * @example
 * runloop.devbox.use({ name: 'dev' }, (devbox) => devbox.cmd.exec('uname -a')).subscribe((r) => console.log(r.exitCode));
 */
export class Devbox {
  /** Run commands. */
  readonly cmd: DevboxCmd;
  /** Read, write, upload, download files. */
  readonly file: DevboxFile;
  /** SSH keys and tunnels. */
  readonly net: DevboxNet;
  /**
   * The devbox's view now, then at every status change (long-polls, no
   * busy polling); completes after a terminal state (`shutdown`, `failure`).
   * Hot while anyone listens: one upstream shared by all subscribers, and a
   * subscriber that arrives late gets the latest view at once. Restarted
   * (a fresh GET) for the next subscriber after all left or it completed.
   */
  readonly info$: Observable<DevboxView>;
  /** The distinct statuses of {@link info$}; shared and replaying like it. */
  readonly status$: Observable<DevboxStatus>;

  /** @internal use `runloop.devbox.*`. */
  constructor(
    private readonly ctx: SdkContext,
    /** The devbox id. */
    readonly id: string,
    /** The view this handle was created with, if any. */
    readonly initial?: DevboxView,
    scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.cmd = new DevboxCmd(ctx, id);
    this.file = new DevboxFile(ctx, id);
    this.net = new DevboxNet(ctx, id);
    // Replays the latest view: a second subscriber (a fleet view's combineLatest
    // next to a card that already watches) must not wait for the next change.
    this.info$ = watchDevbox(ctx.api, id, {}, scheduler).pipe(shareState());
    this.status$ = this.info$.pipe(
      map((view) => view.status),
      distinctUntilChanged(),
    );
  }

  /** GET the devbox. @example devbox.getInfo().subscribe((v) => console.log(v.status)); */
  getInfo(options?: CallOptions): Observable<DevboxView> {
    return defer(() => this.ctx.api.devboxes.retrieve(this.id, requestOptions(options)));
  }

  /**
   * Waits (long-poll) until running; `failure`/`shutdown` fail with
   * DevboxStateError, the deadline with PollingTimeoutError.
   *
   * @example
   * devbox.awaitRunning({ pollingConfig: { timeoutMs: 60_000 } }).subscribe();
   */
  awaitRunning(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<DevboxView> {
    return awaitDevboxStatus(this.ctx.api, this.id, 'running', options, undefined, scheduler);
  }

  /** Waits (long-poll) until suspended. @example devbox.awaitSuspended().subscribe(); */
  awaitSuspended(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<DevboxView> {
    return awaitDevboxStatus(this.ctx.api, this.id, 'suspended', options, undefined, scheduler);
  }

  /** Suspends and waits until suspended. @example devbox.suspend().subscribe((v) => console.log(v.status)); */
  suspend(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<DevboxView> {
    return this.suspendAsync(options).pipe(
      switchMap((view) => awaitDevboxStatus(this.ctx.api, this.id, 'suspended', options, view, scheduler)),
    );
  }

  /** Asks to suspend without waiting. @example devbox.suspendAsync().subscribe(); */
  suspendAsync(options?: CallOptions): Observable<DevboxView> {
    return defer(() => this.ctx.api.devboxes.suspend(this.id, requestOptions(options)));
  }

  /** Resumes and waits until running. @example devbox.resume().subscribe(); */
  resume(options: WaitOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<DevboxView> {
    return this.resumeAsync(options).pipe(
      switchMap((view) => awaitDevboxStatus(this.ctx.api, this.id, 'running', options, view, scheduler)),
    );
  }

  /** Asks to resume without waiting. @example devbox.resumeAsync().subscribe(); */
  resumeAsync(options?: CallOptions): Observable<DevboxView> {
    return defer(() => this.ctx.api.devboxes.resume(this.id, requestOptions(options)));
  }

  /** Resets the idle timer; emits once when done. @example devbox.keepAlive().subscribe(); */
  keepAlive(options?: CallOptions): Observable<void> {
    return defer(() => this.ctx.api.devboxes.keepAlive(this.id, requestOptions(options))).pipe(asVoid());
  }

  /**
   * Shuts the devbox down (`force` even during a snapshot).
   *
   * @example
   * devbox.shutdown().subscribe((v) => console.log(v.status));
   */
  shutdown(options: CallOptions & { readonly force?: boolean } = {}): Observable<DevboxView> {
    return defer(() =>
      this.ctx.api.devboxes.shutdown(this.id, options.force ? { force: true } : {}, requestOptions(options)),
    );
  }

  /**
   * The devbox's logs, optionally of one execution or one named shell.
   *
   * @example
   * devbox.logs({ executionId: 'exe_1' }).subscribe((l) => console.log(l.logs.length));
   */
  logs(query: DevboxLogsParams = {}, options?: CallOptions): Observable<DevboxLogsView> {
    const wire = definedFields({ execution_id: query.executionId, shell_name: query.shellName });
    return defer(() => this.ctx.api.devboxes.logs(this.id, wire, requestOptions(options)));
  }

  /**
   * Snapshots the disk and waits until the snapshot is complete (polling
   * its status; `pollingConfig` applies).
   *
   * @example
   * devbox.snapshotDisk({ name: 'checkpoint' }).subscribe((snapshot) => console.log(snapshot.id));
   */
  snapshotDisk(
    params: SdkSnapshotParams = {},
    options: WaitOptions = {},
    scheduler: SchedulerLike = asyncScheduler,
  ): Observable<Snapshot> {
    return this.snapshotDiskAsync(params, options).pipe(
      switchMap((snapshot) =>
        awaitSnapshotCompleted(this.ctx.api, snapshot.id, options, scheduler).pipe(map(() => snapshot)),
      ),
    );
  }

  /** Starts a snapshot and emits it at once. @example devbox.snapshotDiskAsync().subscribe((s) => console.log(s.id)); */
  snapshotDiskAsync(params: SdkSnapshotParams = {}, options?: CallOptions): Observable<Snapshot> {
    return defer(() =>
      this.ctx.api.devboxes.snapshotDiskAsync(this.id, snapshotToWire(params), requestOptions(options)),
    ).pipe(map((view) => new Snapshot(this.ctx, view.id)));
  }

  /**
   * The eviction notice for this devbox: emits the feed's event once when
   * the server announces it will evict this devbox, then completes (the
   * feed stays open until then, reconnecting as needed; see
   * `runloop.devbox.evictions`).
   *
   * @example
   * devbox.eviction().subscribe((e) => console.warn(`evicted by ${new Date(e.eviction_deadline_ms)}`));
   */
  eviction(options?: CallOptions, scheduler: SchedulerLike = asyncScheduler): Observable<DevboxEvictionEventView> {
    return evictionFeed(this.ctx.api, requestOptions(options), scheduler).pipe(
      filter((event) => event.devbox_id === this.id),
      take(1),
    );
  }

  /** Shortcut for `net.getTunnel()`. @example devbox.getTunnel().subscribe(); */
  getTunnel(options?: CallOptions): Observable<TunnelView | null> {
    return this.net.getTunnel(options);
  }

  /** Shortcut for `net.getTunnelUrl(port)`. @example devbox.getTunnelUrl(8080).subscribe(console.log); */
  getTunnelUrl(port: number, options?: CallOptions): Observable<string> {
    return this.net.getTunnelUrl(port, options);
  }

  /**
   * A named persistent shell (cwd and env carry over between its commands).
   *
   * @example
   * const sh = devbox.shell('build'); sh.exec('cd src').pipe(switchMap(() => sh.exec('pwd'))).subscribe();
   */
  shell(name: string = `shell-${Math.random().toString(36).slice(2, 10)}`): DevboxShell {
    const cmd = this.cmd;
    return {
      name,
      exec: (command, options = {}, scheduler) => cmd.exec(command, { ...options, shellName: name }, scheduler),
      execAsync: (command, options = {}, scheduler) =>
        cmd.execAsync(command, { ...options, shellName: name }, scheduler),
    };
  }
}
