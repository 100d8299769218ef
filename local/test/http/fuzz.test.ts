/**
 * Property-based bad input against every route of one real server: every
 * answer is a 2xx, or a 4xx with a JSON error body; never a 5xx, never a
 * hang over 10 s, never a crash; and the server still serves at the end.
 *
 * Seeded: a failure prints the seed (and fast-check's path); replay it with
 * `FUZZ_SEED=<seed> npx vitest run local/test/http/fuzz.test.ts`. Runs
 * FUZZ_RUNS requests (default 1,200 under CI, 300 locally).
 *
 * Routes that start expensive work (a devbox, a build, a snapshot, a
 * command) or end the target devbox only ever get input that must be
 * refused, or ids that name nothing: the suite aims at parsing and
 * validation, and stays cheap on a shared machine.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request } from '../../../test/support/h2.js';
import { startTestServer, type TestServer } from '../../../test/support/local-server.js';
import { createRunning, exec, shutdown } from '../devboxes/helpers.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? (process.env['CI'] ? 1200 : 300));
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const HANG_MS = 10_000;

/** Which pool a path parameter draws from. */
type IdKind = 'devbox' | 'execution' | 'object' | 'snapshot' | 'blueprint' | 'secret' | 'policy';

/**
 * One route: its pattern, what each `:param` names, and how hard it may be hit.
 * `refuseOnly`: real ids, but only bodies the route must refuse (it would
 * start work or end the target). `unknownIdsOnly`: never a real id.
 */
interface Target {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly params?: Readonly<Record<string, IdKind>>;
  readonly body?: 'json' | 'multipart' | 'raw';
  /** Bodies shaped like this route's own (right fields, hostile values), mixed in with the generic ones. */
  readonly shaped?: () => fc.Arbitrary<Record<string, unknown>>;
  readonly refuseOnly?: string;
  readonly unknownIdsOnly?: boolean;
}

const D = { id: 'devbox' } as const;
const E = { id: 'devbox', executionId: 'execution' } as const;
const O = { id: 'object' } as const;
const S = { id: 'snapshot' } as const;
const B = { id: 'blueprint' } as const;
const SEC = { name: 'secret' } as const;
const P = { id: 'policy' } as const;

/** Every route in local/src/{blueprints,devboxes,executions,files,objects,snapshots,ssh,tunnels,secrets,network-policies}. */
const TARGETS: readonly Target[] = [
  { method: 'POST', path: '/v1/blueprints', body: 'json', refuseOnly: 'name' },
  { method: 'GET', path: '/v1/blueprints' },
  { method: 'GET', path: '/v1/blueprints/list_public' },
  { method: 'POST', path: '/v1/blueprints/preview', body: 'json' },
  { method: 'GET', path: '/v1/blueprints/:id', params: B },
  { method: 'GET', path: '/v1/blueprints/:id/logs', params: B },
  { method: 'POST', path: '/v1/blueprints/:id/delete', params: B, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/devboxes', body: 'json', refuseOnly: 'name' },
  { method: 'POST', path: '/v1/devboxes/create_and_await_running', body: 'json', refuseOnly: 'name' },
  { method: 'GET', path: '/v1/devboxes' },
  { method: 'GET', path: '/v1/devboxes/:id', params: D },
  { method: 'POST', path: '/v1/devboxes/:id', params: D, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/wait_for_status', params: D, body: 'json', refuseOnly: 'statuses' },
  { method: 'POST', path: '/v1/devboxes/:id/shutdown', params: D, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/devboxes/:id/suspend', params: D, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/devboxes/:id/resume', params: D, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/devboxes/:id/keep_alive', params: D, body: 'json' },
  { method: 'GET', path: '/v1/devboxes/:id/logs', params: D },
  { method: 'GET', path: '/v1/devboxes/:id/usage', params: D },
  { method: 'GET', path: '/v1/devboxes/:id/executions/:executionId/stream_stdout_updates', params: E },
  { method: 'GET', path: '/v1/devboxes/:id/executions/:executionId/stream_stderr_updates', params: E },
  { method: 'POST', path: '/v1/devboxes/:id/execute', params: D, body: 'json', refuseOnly: 'command' },
  { method: 'POST', path: '/v1/devboxes/:id/execute_async', params: D, body: 'json', refuseOnly: 'command' },
  { method: 'POST', path: '/v1/devboxes/:id/execute_sync', params: D, body: 'json', refuseOnly: 'command' },
  { method: 'GET', path: '/v1/devboxes/:id/executions/:executionId', params: E },
  { method: 'POST', path: '/v1/devboxes/:id/executions/:executionId/wait_for_status', params: E, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/executions/:executionId/kill', params: E, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/executions/:executionId/send_std_in', params: E, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/read_file_contents', params: D, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/write_file_contents', params: D, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/upload_file', params: D, body: 'multipart' },
  { method: 'POST', path: '/v1/devboxes/:id/download_file', params: D, body: 'json' },
  { method: 'POST', path: '/v1/objects', body: 'json' },
  { method: 'GET', path: '/v1/objects' },
  { method: 'GET', path: '/v1/objects/list_public' },
  { method: 'GET', path: '/v1/objects/:id', params: O },
  { method: 'POST', path: '/v1/objects/:id/complete', params: O, body: 'json' },
  { method: 'GET', path: '/v1/objects/:id/download', params: O },
  { method: 'POST', path: '/v1/objects/:id/delete', params: O, body: 'json', unknownIdsOnly: true },
  { method: 'PUT', path: '/presigned/objects/:id', params: O, body: 'raw' },
  { method: 'GET', path: '/presigned/objects/:id', params: O },
  { method: 'POST', path: '/v1/devboxes/:id/snapshot_disk', params: D, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/devboxes/:id/snapshot_disk_async', params: D, body: 'json', unknownIdsOnly: true },
  { method: 'GET', path: '/v1/devboxes/disk_snapshots' },
  { method: 'GET', path: '/v1/devboxes/disk_snapshots/:id/status', params: S },
  { method: 'POST', path: '/v1/devboxes/disk_snapshots/:id', params: S, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/disk_snapshots/:id/delete', params: S, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/devboxes/:id/create_ssh_key', params: D, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/enable_tunnel', params: D, body: 'json' },
  { method: 'POST', path: '/v1/devboxes/:id/remove_tunnel', params: D, body: 'json' },
  { method: 'POST', path: '/v1/secrets', body: 'json', shaped: () => secretBody(true) },
  { method: 'GET', path: '/v1/secrets' },
  { method: 'GET', path: '/v1/secrets/:name', params: SEC },
  { method: 'POST', path: '/v1/secrets/:name', params: SEC, body: 'json', shaped: () => secretBody(false) },
  { method: 'POST', path: '/v1/secrets/:name/delete', params: SEC, body: 'json', unknownIdsOnly: true },
  { method: 'POST', path: '/v1/network-policies', body: 'json', shaped: () => policyBody() },
  { method: 'GET', path: '/v1/network-policies' },
  { method: 'GET', path: '/v1/network-policies/:id', params: P },
  { method: 'POST', path: '/v1/network-policies/:id', params: P, body: 'json', shaped: () => policyBody() },
  { method: 'POST', path: '/v1/network-policies/:id/delete', params: P, body: 'json', unknownIdsOnly: true },
];

/** Field names the API uses somewhere: random bodies hit real fields with wrong values. */
const FIELDS = [
  'name',
  'command',
  'file_path',
  'path',
  'contents',
  'statuses',
  'limit',
  'starting_after',
  'metadata',
  'launch_parameters',
  'blueprint_id',
  'blueprint_name',
  'snapshot_id',
  'content_type',
  'ttl_ms',
  'force',
  'shell_name',
  'text',
  'signal',
  'timeout_seconds',
  'port',
  'entrypoint',
  'environment_variables',
  'code_mounts',
  'dockerfile',
  'file_mounts',
  'mounts',
  'system_setup_commands',
  'attach_stdin',
  'execution_id',
  'search',
  'state',
  'offset',
  'include_total_count',
  'status',
  'keep_alive_time_seconds',
  'resource_size_request',
  'architecture',
  'build_context',
  'secrets',
  'tunnel',
  'auth_mode',
  'value',
  'description',
  'allow_all',
  'allowed_hostnames',
  'allowed_cidrs',
];

// Text that is hostile as a name, path or id: unicode, NUL and friends, traversal, long.
const nasty = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '\0',
      'a\0b',
      '../../etc/passwd',
      '/dev/full',
      '/proc/self/mem',
      '.',
      '/',
      '~',
      '%00',
      '%E0%A4%A',
      '%',
      '😀'.repeat(50),
      '\u202e',
      '\ud800',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 20_000 }).map((n) => 'p'.repeat(n)) },
);
const hugeString = fc.integer({ min: 100_000, max: 2_000_000 }).map((n) => 'x'.repeat(n));
const oddNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 53), 1e308, -1e308, 0.5, Number.MAX_SAFE_INTEGER + 2),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: nasty },
  { weight: 2, arbitrary: oddNumber },
  { weight: 1, arbitrary: fc.array(nasty, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(nasty, nasty, { maxKeys: 5 }) },
);
const notAString = fc.oneof(
  oddNumber,
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
);

/** Mostly a plausible value (so the deeper rules run), sometimes null or anything at all. */
function mostly<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: anyValue },
  );
}

/** A secret body with its own fields (`name` only on create): mostly plausible, some hostile. */
function secretBody(withName: boolean): fc.Arbitrary<Record<string, unknown>> {
  const value = mostly(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
      { weight: 1, arbitrary: nasty },
      { weight: 1, arbitrary: hugeString },
    ),
  );
  const name = mostly(fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/) }, nasty));
  return withName
    ? fc.record({ name, value }, { requiredKeys: ['name', 'value'] })
    : fc.record({ value }, { requiredKeys: ['value'] });
}

/** A network policy body with its own fields: hostnames, CIDRs and port rules, mostly plausible, some hostile. */
function policyBody(): fc.Arbitrary<Record<string, unknown>> {
  const portNumber = fc.oneof(fc.integer({ min: 1, max: 65_535 }), oddNumber);
  const port = fc.record(
    {
      port: mostly(portNumber),
      end_port: mostly(portNumber),
      protocol: mostly(fc.constantFrom('tcp', 'udp', 'icmp', '')),
    },
    { requiredKeys: ['port'] },
  );
  const cidr = fc.record(
    {
      cidr: mostly(
        fc.oneof(
          fc.constantFrom('198.51.100.0/24', '0.0.0.0/0', '::/0', '10.0.0.1/33', '1.2.3.4', '300.1.1.1/8'),
          nasty,
        ),
      ),
      ports: mostly(fc.array(port, { maxLength: 3 })),
    },
    { requiredKeys: ['cidr'] },
  );
  const hostname = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('example.com', '*.npmjs.org', 'pypi.org', '*', '*.', '-a.b', 'a..b') },
    { weight: 1, arbitrary: fc.domain() },
    { weight: 1, arbitrary: nasty },
  );
  return fc.record(
    {
      name: mostly(fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }, nasty)),
      description: mostly(nasty),
      allow_all: mostly(fc.boolean()),
      allow_devbox_to_devbox: mostly(fc.boolean()),
      allowed_hostnames: mostly(fc.array(hostname, { maxLength: 5 })),
      allowed_cidrs: mostly(fc.array(cidr, { maxLength: 3 })),
    },
    { requiredKeys: ['name'] },
  );
}

/** Text that is no JSON, or is JSON the parser must refuse. */
function malformedJson(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 4 }).chain((object) => {
      const text = JSON.stringify(object);
      return fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((cut) => text.slice(0, cut));
    }),
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      '{',
      '}',
      '[',
      '{"a":}',
      '{"a":1,}',
      'nul',
      'NaN',
      '{"a":1}{"b":2}',
      "{'a':1}",
      '\u0000',
      '\ufeff{}',
    ),
    fc.integer({ min: 65, max: 6000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.integer({ min: 65, max: 6000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );
}

/** A JSON body: anything, including valid-looking objects with wrong values. */
function anyJsonBody(): fc.Arbitrary<string> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
    },
    { weight: 2, arbitrary: fc.dictionary(nasty, anyValue, { maxKeys: 4 }).map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: malformedJson() },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...FIELDS), hugeString).map(([k, v]) => JSON.stringify({ [k]: v })),
    },
    { weight: 1, arbitrary: fc.constant('') },
  );
}

/** A JSON body the route must refuse: malformed, or `field` of a wrong type. */
function refusedJsonBody(field: string): fc.Arbitrary<string> {
  return fc.oneof(
    malformedJson(),
    fc
      .oneof(fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }))
      .map((v) => JSON.stringify(v)),
    fc
      .tuple(notAString, fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 3 }))
      .map(([wrong, rest]) => JSON.stringify({ ...rest, [field]: wrong })),
  );
}

const BOUNDARY = 'fuzzBoundary';
/** A multipart body with random parts, maybe cut short, maybe not multipart at all. */
const multipartBody = fc
  .tuple(
    fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom('path', 'file'), nasty),
        file: fc.boolean(),
        value: fc.oneof(
          nasty,
          fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
      }),
      { maxLength: 4 },
    ),
    fc.option(fc.nat(), { nil: undefined }),
    fc.constantFrom(
      `multipart/form-data; boundary=${BOUNDARY}`,
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'text/plain',
      'application/json',
    ),
  )
  .map(([parts, cut, contentType]) => {
    const text =
      parts
        .map(
          (p) =>
            `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${p.name}"${p.file ? '; filename="f"' : ''}\r\n\r\n${p.value}\r\n`,
        )
        .join('') + `--${BOUNDARY}--\r\n`;
    const bytes = Buffer.from(text, 'latin1');
    return { contentType, body: cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1)) };
  });

const queryArb = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'limit',
      'starting_after',
      'include_total_count',
      'status',
      'name',
      'search',
      'state',
      'offset',
      'content_type',
      'devbox_id',
      'id',
      'metadata[a]',
      'X-Amz-Signature',
      'expires',
    ),
    nasty,
  ),
  fc.oneof(nasty, oddNumber.map(String), fc.constantFrom('true', 'false', '', 'null')),
  { maxKeys: 4 },
);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A path segment: percent-encoded (lone surrogates cannot be), or as given when it is a raw escape such as `%E0%A4%A`. */
function encodePart(value: string): string {
  if (value.startsWith('%')) return value;
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\ufffd'));
}

/** A generated request, ready to send. */
interface Sent {
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  readonly body?: Buffer | string;
  readonly h2: boolean;
}

interface Pools {
  readonly real: Record<IdKind, string>;
}

function idArb(kind: IdKind, pools: Pools, allowReal: boolean): fc.Arbitrary<string> {
  const others = (Object.keys(pools.real) as IdKind[]).filter((k) => k !== kind).map((k) => pools.real[k]);
  const unknown = fc.oneof(
    fc.constantFrom(...others), // an id of the wrong resource type
    fc.constantFrom('dbx_0000000000000000000000', 'obj_0', 'exe_x', 'bpt_', 'snp_1', 'npo_0', 'NO_SUCH_SECRET'),
    nasty.filter((s) => s !== ''),
  );
  return allowReal
    ? fc.oneof({ weight: 3, arbitrary: fc.constant(pools.real[kind]) }, { weight: 2, arbitrary: unknown })
    : unknown;
}

function requestArb(pools: Pools): fc.Arbitrary<Sent> {
  return fc.constantFrom(...TARGETS).chain((target) => {
    const params = Object.entries(target.params ?? {}).map(([name, kind]) =>
      idArb(kind, pools, target.unknownIdsOnly !== true).map((value) => [name, value] as const),
    );
    const body: fc.Arbitrary<{ contentType?: string; body?: Buffer | string }> =
      target.body === 'multipart'
        ? multipartBody
        : target.body === 'raw'
          ? fc
              .uint8Array({ maxLength: 8192 })
              .map((b) => ({ contentType: 'application/octet-stream', body: Buffer.from(b) }))
          : target.body === 'json'
            ? (target.refuseOnly !== undefined
                ? refusedJsonBody(target.refuseOnly)
                : target.shaped !== undefined
                  ? fc.oneof(
                      anyJsonBody(),
                      target.shaped().map((o) => JSON.stringify(o)),
                    )
                  : anyJsonBody()
              ).map((text) => ({
                contentType: 'application/json',
                body: text,
              }))
            : fc.constant({});
    return fc
      .tuple(fc.tuple(...params), queryArb, body, fc.boolean(), fc.nat(9))
      .map(([values, query, payload, h2, roll]) => {
        let path = target.path;
        for (const [name, value] of values) path = path.replace(`:${name}`, encodePart(value));
        const search = new URLSearchParams(Object.entries(query)).toString();
        // Mostly HTTP/1.1 (cheaper); a tenth over h2c, and never a 2 MB body over h2 (one session each).
        const overH2 = h2 && roll === 0 && (payload.body === undefined || payload.body.length < 100_000);
        return { method: target.method, path: search === '' ? path : `${path}?${search}`, ...payload, h2: overH2 };
      });
  });
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

async function send(server: TestServer, sent: Sent): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${server.token}`,
    'x-request-id': `fuzz-${randomBytes(6).toString('hex')}`,
  };
  if (sent.contentType !== undefined) headers['content-type'] = sent.contentType;
  if (sent.h2) {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`hung over ${HANG_MS} ms (h2)`)), HANG_MS)),
    );
    try {
      const res = await Promise.race([
        h2Request(server.url, {
          method: sent.method,
          path: sent.path,
          headers,
          ...(sent.body === undefined ? {} : { body: sent.body }),
        }),
        hang,
      ]);
      return {
        status: res.status,
        contentType: String(res.headers['content-type'] ?? ''),
        text: res.body.toString('utf8'),
      };
    } finally {
      clearTimeout(timer);
    }
  }
  const res = await fetch(`${server.url}${sent.path}`, {
    method: sent.method,
    headers,
    ...(sent.body === undefined || sent.method === 'GET' ? {} : { body: sent.body }),
    signal: AbortSignal.timeout(HANG_MS),
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

function describeSent(sent: Sent): string {
  const body =
    sent.body === undefined ? '' : ` body(${sent.body.length})=${JSON.stringify(String(sent.body).slice(0, 120))}`;
  return `${sent.h2 ? 'h2' : 'h1'} ${sent.method} ${sent.path.slice(0, 200)}${body}`;
}

describe(`hostile input on every route (fast-check, seed ${SEED}, ${RUNS} requests)`, () => {
  let server: TestServer;
  let pools: Pools;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    server = await startTestServer({});
    const devbox = await createRunning(server);
    const execution = await exec(server, devbox.id, 'echo fuzz');
    const object = await server.request('POST', '/v1/objects', { name: 'fuzz.bin', content_type: 'binary' });
    const secret = await server.request('POST', '/v1/secrets', { name: 'FUZZ_SECRET', value: 'fuzz' });
    expect(secret.status, secret.text).toBe(200);
    const policy = await server.request('POST', '/v1/network-policies', { name: 'fuzz-policy' });
    expect(policy.status, policy.text).toBe(200);
    await (await fetch(object.json.upload_url, { method: 'PUT', body: 'fuzz' })).text();
    await server.request('POST', `/v1/objects/${object.json.id}/complete`, {});
    pools = {
      real: {
        devbox: devbox.id,
        execution: execution.execution_id,
        object: object.json.id,
        snapshot: 'snp_none',
        blueprint: 'bpt_none',
        secret: 'FUZZ_SECRET',
        policy: policy.json.id,
      },
    };
  });
  afterAll(async () => {
    if (pools) await shutdown(server, pools.real.devbox);
    await server?.dispose();
    // eslint-disable-next-line no-console
    console.log(
      `fuzz: seed ${SEED}, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
  });

  it('answers every request with a 2xx, or a 4xx with a JSON error body, and keeps serving', async () => {
    const started = Date.now();
    const run = await fc.check(
      fc.asyncProperty(requestArb(pools), async (sent) => {
        let answer: Answer;
        try {
          answer = await send(server, sent);
        } catch (error) {
          throw new Error(`${describeSent(sent)}: no answer: ${String(error)}`);
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const where = `${describeSent(sent)} → ${answer.status} ${answer.text.slice(0, 300)}`;
        if (answer.status >= 200 && answer.status < 300) return;
        if (answer.status < 400 || answer.status >= 500) throw new Error(`unexpected status: ${where}`);
        if (!answer.contentType.startsWith('application/json')) throw new Error(`4xx without JSON: ${where}`);
        const body = JSON.parse(answer.text) as { error?: unknown; message?: unknown };
        if (typeof body.error !== 'string' || typeof body.message !== 'string')
          throw new Error(`4xx without an error body: ${where}`);
        if (body.message.length > 1000)
          throw new Error(`error message echoes too much (${body.message.length}): ${where}`);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // fast-check's own report prints the whole counterexample (a body can be megabytes): say it briefly.
    if (run.failed) {
      throw new Error(
        `fuzz failed after ${run.numRuns} requests; replay with FUZZ_SEED=${run.seed} (path ${run.counterexamplePath}): ${String(run.errorInstance).slice(0, 2000)}`,
      );
    }
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${RUNS} requests in ${Date.now() - started} ms`);
    const alive = await server.request('GET', `/v1/devboxes/${pools.real.devbox}`);
    expect(alive.status).toBe(200);
    expect(alive.json.status).toBe('running');
    const listed = await server.request('GET', '/v1/objects');
    expect(listed.status).toBe(200);
    // The real secret and policy were only ever updated, never deleted.
    expect((await server.request('GET', '/v1/secrets/FUZZ_SECRET')).status).toBe(200);
    expect((await server.request('GET', `/v1/network-policies/${pools.real.policy}`)).status).toBe(200);
  });

  it('bounds list answers by a default page size', async () => {
    for (let i = 0; i < 22; i++)
      await server.request('POST', '/v1/objects', { name: `page-${i}`, content_type: 'text' });
    const page = await server.request('GET', '/v1/objects');
    expect(page.status).toBe(200);
    expect(page.json.objects.length).toBe(20);
    expect(page.json.has_more).toBe(true);
  });
});
