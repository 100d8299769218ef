// A live terminal UI for a command's output: stdout and stderr lines get
// distinct (coloured) prefixes while a status line below them shows a
// spinner, the elapsed time and line counts, then the exit code. Plain
// RxJS and ANSI escapes, no extra dependencies. Without a TTY (or with
// NO_COLOR) it prints plain prefixes and only the final status.
import { interval, map, merge, scan, takeWhile, tap, timestamp } from 'rxjs';
import type { ExecEvent } from '../src/index.js';
import { runExample } from './support/runloop.js';

const COMMAND = [
  'for i in $(seq 1 12); do',
  '  echo "building step $i/12";',
  '  if [ $((i % 4)) -eq 0 ]; then echo "warning: step $i was slow" >&2; fi;',
  '  sleep 0.05;',
  'done; echo "build finished"',
].join(' ');

const tty = process.stdout.isTTY === true && !process.env['NO_COLOR'];
const paint = (code: string, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const PREFIX = { stdout: paint('36', 'out│'), stderr: paint('31', 'err│') } as const;
const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

/** What the UI shows: counts, the last event, and whether the command has exited. */
interface Screen {
  readonly started: number;
  readonly now: number;
  readonly frame: number;
  readonly stdoutLines: number;
  readonly stderrLines: number;
  readonly event: ExecEvent | undefined;
}

const statusLine = (s: Screen) => {
  const counts = `${s.stdoutLines} stdout, ${s.stderrLines} stderr line(s)`;
  const elapsed = `${((s.now - s.started) / 1000).toFixed(1)} s`;
  if (s.event?.stream === 'exit') {
    const ok = s.event.exitCode === 0;
    return paint(ok ? '32' : '31', `${ok ? '✔' : '✘'} exited ${s.event.exitCode} after ${elapsed}`) + ` | ${counts}`;
  }
  return `${paint('33', SPINNER[s.frame % SPINNER.length] ?? '*')} running ${elapsed} | ${counts}`;
};

/** Draws one update: a new output line above the status line, and the status line itself. */
const render = (s: Screen, isTick: boolean) => {
  const clear = tty ? '\r\x1b[2K' : '';
  const line = !isTick && s.event && s.event.stream !== 'exit' ? `${PREFIX[s.event.stream]} ${s.event.line}\n` : '';
  const exited = s.event?.stream === 'exit';
  const status = tty || exited ? statusLine(s) + (exited ? '\n' : '') : '';
  process.stdout.write(clear + line + status);
};

runExample('terminal-ui', (runloop) =>
  runloop.devbox.use({ name: 'terminal-ui' }, (devbox) =>
    merge(
      devbox.cmd.stream(COMMAND).pipe(map((event) => ({ event }))),
      // Animates the spinner and clock between output lines.
      interval(100).pipe(map(() => ({ event: undefined }))),
    ).pipe(
      timestamp(),
      scan<{ value: { event: ExecEvent | undefined }; timestamp: number }, Screen & { tick: boolean }>(
        (s, { value: { event }, timestamp: now }) => ({
          started: s.started,
          now,
          frame: s.frame + 1,
          stdoutLines: s.stdoutLines + (event?.stream === 'stdout' ? 1 : 0),
          stderrLines: s.stderrLines + (event?.stream === 'stderr' ? 1 : 0),
          event: event ?? s.event,
          tick: event === undefined,
        }),
        {
          started: Date.now(),
          now: Date.now(),
          frame: 0,
          stdoutLines: 0,
          stderrLines: 0,
          event: undefined,
          tick: true,
        },
      ),
      tap((s) => render(s, s.tick)),
      takeWhile((s) => s.event?.stream !== 'exit'),
    ),
  ),
);
