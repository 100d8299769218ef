// Streaming output: the seed's stdout/stderr/output callbacks (synchronous
// functions, called with whole lines), and the RxJS way: output as data, a
// stream of tagged lines `{ stream, line, offset }` you can filter, count,
// buffer or replay from an offset.
import { concat, count, filter, ignoreElements, map, switchMap, tap, toArray } from 'rxjs';
import type { Devbox, OutputLine } from '../src/index.js';
import { runExample } from './support/runloop.js';

const SCRIPT = 'for i in 1 2 3; do echo "step $i"; echo "warning $i" >&2; done';

const callbacks = (devbox: Devbox) =>
  devbox.cmd
    .exec(SCRIPT, {
      stdout: (line) => console.log('LOG:', line),
      stderr: (line) => console.log('ERR:', line),
      output: (line) => console.log('ANY:', line),
    })
    .pipe(tap((result) => console.log('exit code:', result.exitCode)));

const taggedLines = (devbox: Devbox) =>
  devbox.cmd.stream(SCRIPT).pipe(
    tap((event) => {
      if (event.stream === 'exit') console.log(`[exit ${event.exitCode}]`);
      else console.log(`[${event.stream} @${event.offset}] ${event.line}`);
    }),
    filter((event): event is OutputLine => event.stream !== 'exit'),
    count(),
    tap((n) => console.log(`${n} tagged lines`)),
  );

// execAsync + output$: a hot, shared stream; replay with outputFrom(offset).
const replay = (devbox: Devbox) =>
  devbox.cmd.execAsync('seq 1 5').pipe(
    switchMap((execution) =>
      execution.output$.pipe(
        toArray(),
        tap((lines) => console.log('output$:', lines.map((l) => l.line).join(','))),
        map((lines) => lines[1]),
        switchMap((second) =>
          execution.outputFrom({ stdout: second?.offset ?? 0 }).pipe(
            toArray(),
            tap((rest) => console.log(`replay after line "${second?.line}":`, rest.map((l) => l.line).join(','))),
          ),
        ),
      ),
    ),
    ignoreElements(),
  );

runExample('streaming', (runloop) =>
  runloop.devbox.use({ name: 'streaming' }, (devbox) =>
    concat(
      callbacks(devbox).pipe(tap({ subscribe: () => console.log('== callbacks') })),
      taggedLines(devbox).pipe(tap({ subscribe: () => console.log('== tagged-line stream') })),
      replay(devbox).pipe(tap({ subscribe: () => console.log('== output$ and replay from an offset') })),
    ),
  ),
);
