// Commands: exec (waits for the result), execAsync (returns an Execution at
// once), getInfo, result, kill, and the properties of Execution and
// ExecutionResult.
import { concat, forkJoin, ignoreElements, switchMap, tap } from 'rxjs';
import type { Devbox, ExecutionResult } from '../src/index.js';
import { runExample } from './support/runloop.js';

/** Prints every ExecutionResult property and both outputs. */
const printResult = (label: string, result: ExecutionResult) =>
  forkJoin({ stdout: result.stdout(), stderr: result.stderr() }).pipe(
    tap(({ stdout, stderr }) => {
      console.log(`${label}:`);
      console.log('  Exit code:', result.exitCode);
      console.log('  Success:', result.success);
      console.log('  Failed:', result.failed);
      console.log('  Standard output:', JSON.stringify(stdout));
      console.log('  Standard error:', JSON.stringify(stderr));
      console.log('  Raw result status:', result.initial.status, 'execution', result.initial.execution_id);
    }),
    ignoreElements(),
  );

const synchronous = (devbox: Devbox) =>
  concat(
    devbox.cmd.exec('ls -la /tmp').pipe(switchMap((result) => printResult('exec("ls -la /tmp")', result))),
    devbox.cmd
      .exec('echo oops >&2; exit 3')
      .pipe(switchMap((result) => printResult('exec("echo oops >&2; exit 3")', result))),
  );

const asynchronous = (devbox: Devbox) =>
  devbox.cmd.execAsync("sleep 0.5; echo 'test'").pipe(
    tap((execution) => {
      console.log('Execution ID:', execution.executionId);
      console.log('Devbox ID:', execution.devboxId);
    }),
    switchMap((execution) =>
      concat(
        execution
          .getInfo()
          .pipe(tap((state) => console.log('Status:', state.status, '| Exit code:', state.exit_status ?? '(not yet)'))),
        execution.result().pipe(switchMap((result) => printResult('execAsync(...).result()', result))),
      ),
    ),
    ignoreElements(),
  );

// A long-running process, killed early.
const killed = (devbox: Devbox) =>
  devbox.cmd.execAsync('sleep 600').pipe(
    switchMap((execution) =>
      concat(
        execution.getInfo().pipe(tap((state) => console.log('sleep 600 status:', state.status))),
        execution.kill().pipe(tap(() => console.log('killed'))),
        execution
          .result()
          .pipe(
            tap((result) => console.log('after kill: status', result.initial.status, '| exit code', result.exitCode)),
          ),
      ),
    ),
    ignoreElements(),
  );

runExample('commands', (runloop) =>
  runloop.devbox.use({ name: 'commands' }, (devbox) =>
    concat(synchronous(devbox), asynchronous(devbox), killed(devbox)),
  ),
);
