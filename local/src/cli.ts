#!/usr/bin/env node
/**
 * `runloop-local`: runs the server until SIGINT/SIGTERM (or, when started
 * through npm/npx, until the npm process that started it is gone).
 *
 * Prints one ready line containing the URL (scripts wait for it), the token
 * when it was generated, and the runtime mode in force.
 */
import { readAuthFile } from './images/credentials.js';
import { parseArgs } from 'node:util';
import { followParent, launchedByNpm } from './follow-parent.js';
import { codeMountSettings } from './code-mounts/settings.js';
import { createLogger } from './http/logger.js';
import { startLocalServer, type LocalServer, type RuntimeMode } from './server.js';

const USAGE = `usage: runloop-local [options]

  --port N            TCP port (default 0: any free port)
  --host HOST         address to bind (default 127.0.0.1)
  --data-dir DIR      state directory (default ~/.runloop-local)
  --token T           bearer token clients must send
                      (default: $RUNLOOP_API_KEY, else a new random token, printed)
  --runtime MODE      auto | namespaces | process (default auto)
  --registry-mirror URL  pull Docker Hub images (FROM python:3.12…) from this registry instead
  --registry-auth FILE   registry credentials, Docker config.json format ({"auths": {"host": {"auth": …}}})
  --git-base-url URL  where code mounts clone <owner>/<repo>.git from
                      (default https://github.com)
  --dns-upstream A    resolver (IPv4[:port]) for devboxes under a network policy;
                      repeatable (default: the host's resolv.conf nameservers)
  --quiet             log errors only
  -h, --help          show this help

Stops on SIGINT/SIGTERM. Started through npx/npm, it also stops when that
npm process exits (a signal to npx's PID does not reach node itself).
`;

/** Parsed command line. */
interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string | undefined;
  readonly token: string | undefined;
  readonly runtime: Exclude<RuntimeMode, 'none'>;
  readonly gitBaseUrl: string | undefined;
  readonly quiet: boolean;
  readonly help: boolean;
  readonly registryMirror: string | undefined;
  readonly registryAuth: string | undefined;
  readonly dnsUpstreams: readonly string[] | undefined;
}

/** A command-line mistake: usage goes to stderr and the exit code is 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Parses argv (without node and script).
 *
 * @example
 * parseCli(['--port', '0', '--runtime', 'process']).port // 0
 */
function parseCli(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        token: { type: 'string' },
        runtime: { type: 'string' },
        'git-base-url': { type: 'string' },
        'dns-upstream': { type: 'string', multiple: true },
        quiet: { type: 'boolean' },
        'registry-mirror': { type: 'string' },
        'registry-auth': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const port = Number(values.port ?? '0');
  if (!/^\d{1,5}$/.test(values.port ?? '0') || port > 65535) throw new UsageError('--port must be an integer 0..65535');
  const runtime = values.runtime ?? 'auto';
  if (runtime !== 'auto' && runtime !== 'namespaces' && runtime !== 'process') {
    throw new UsageError('--runtime must be auto, namespaces or process');
  }
  if (values.token !== undefined && values.token.trim() === '') throw new UsageError('--token must not be empty');
  const mirror = values['registry-mirror'];
  if (mirror !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(mirror))
    throw new UsageError('--registry-mirror must be a base URL like https://mirror.example:5000');
  const gitBaseUrl = values['git-base-url'];
  if (gitBaseUrl !== undefined) {
    try {
      codeMountSettings({ gitBaseUrl });
    } catch (error) {
      throw new UsageError(`--git-base-url: ${(error as Error).message}`);
    }
  }
  return {
    port,
    host: values.host ?? '127.0.0.1',
    dataDir: values['data-dir'],
    token: values.token,
    runtime,
    gitBaseUrl,
    quiet: values.quiet === true,
    help: values.help === true,
    registryMirror: mirror,
    registryAuth: values['registry-auth'],
    dnsUpstreams: values['dns-upstream'],
  };
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`runloop-local: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const envToken = process.env['RUNLOOP_API_KEY']?.trim();
  const token = options.token ?? (envToken === undefined || envToken === '' ? undefined : envToken);
  let credentials;
  try {
    credentials = options.registryAuth !== undefined ? readAuthFile(options.registryAuth) : undefined;
  } catch (error) {
    process.stderr.write(`runloop-local: --registry-auth ${options.registryAuth}: ${(error as Error).message}\n`);
    process.exit(2);
  }
  // Whoever started us may stop reading our output (`| head`, a test that read what it needed):
  // a write to that closed pipe must not end the server.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const server: LocalServer = await startLocalServer({
    images: {
      ...(options.registryMirror !== undefined ? { dockerHubMirror: options.registryMirror } : {}),
      ...(credentials ? { credentials } : {}),
    },
    port: options.port,
    host: options.host,
    dataDir: options.dataDir,
    token,
    runtimeMode: options.runtime,
    ...(options.gitBaseUrl !== undefined ? { codeMounts: { gitBaseUrl: options.gitBaseUrl } } : {}),
    ...(options.dnsUpstreams !== undefined ? { dnsUpstreams: options.dnsUpstreams } : {}),
    log: createLogger(options.quiet ? 'error' : 'info'),
  });
  process.stdout.write(`runloop-local listening on ${server.url}\n`);
  if (token === undefined) process.stdout.write(`runloop-local token: ${server.token}\n`);
  process.stdout.write(
    `runloop-local runtime: ${server.runtimeInfo?.mode ?? 'none'}${server.runtimeInfo ? ` (${server.runtimeInfo.detail})` : ''}\n`,
  );
  // A token the user chose is never echoed; a generated one rides in the URL once, as Jupyter does.
  process.stdout.write(
    `runloop-local dashboard: ${server.url}/${token === undefined ? `?token=${server.token}` : ''}\n`,
  );
  if (server.runtimeInfo?.mode === 'process') {
    // Said on stderr too, on its own line: whoever runs untrusted code here must not miss it.
    process.stderr.write(
      'runloop-local: WARNING: devboxes are plain host processes, NOT A SANDBOX: run only trusted code\n',
    );
  }

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`runloop-local: ${reason}, stopping…\n`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`runloop-local: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (launchedByNpm(process.env)) followParent(() => stop('the npm process that started it exited'));
}

main().catch((error: unknown) => {
  process.stderr.write(`runloop-local: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
