import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParamsError, RunloopApi, fileMountProblems, isUuidv7, uuidv7 } from '../../src/api/index.js';
import { executionView } from './support/fixtures.js';
import { RecordingCaller } from './support/recording-caller.js';

function setup(...replies: unknown[]): { api: RunloopApi; caller: RecordingCaller } {
  const caller = new RecordingCaller().reply(...replies);
  return { api: new RunloopApi(caller), caller };
}

function bodyOf(caller: RecordingCaller, index: number): Record<string, unknown> {
  return caller.calls[index]?.request.body as Record<string, unknown>;
}

describe('uuidv7', () => {
  it('puts the timestamp first and sets version and variant bits', () => {
    const zeros = (b: Uint8Array) => b.fill(0);
    const ones = (b: Uint8Array) => b.fill(0xff);
    expect(uuidv7(0x0123456789ab, zeros)).toBe('01234567-89ab-7000-8000-000000000000');
    expect(uuidv7(0x0123456789ab, ones)).toBe('01234567-89ab-7fff-bfff-ffffffffffff');
  });
  it('is random after the timestamp and recognised by isUuidv7', () => {
    const a = uuidv7(1000);
    const b = uuidv7(1000);
    expect(a).not.toBe(b);
    expect(isUuidv7(a)).toBe(true);
    expect(isUuidv7('00000000-0000-4000-8000-000000000000')).toBe(false);
  });
  it('draws its random bits from crypto.randomUUID by default: valid, distinct, timestamp first', () => {
    const ids = Array.from({ length: 200 }, () => uuidv7(0x0123456789ab));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isUuidv7(id)).toBe(true);
      expect(id.startsWith('01234567-89ab-7')).toBe(true);
    }
    expect(uuidv7(2 ** 48 + 1, (b) => b.fill(0))).toBe('00000000-0001-7000-8000-000000000000');
  });
  it('sorts by creation time', () => {
    expect(uuidv7(1_700_000_000_000) < uuidv7(1_700_000_000_001)).toBe(true);
  });
});

describe('devboxes.execute', () => {
  it('generates a UUIDv7 command_id once per call and reuses it on every subscription', async () => {
    const { api, caller } = setup(executionView, executionView, executionView);
    const first$ = api.devboxes.execute('dbx_1', { command: 'ls' });
    await firstValueFrom(first$);
    await firstValueFrom(first$);
    await firstValueFrom(api.devboxes.execute('dbx_1', { command: 'ls' }));
    const ids = [0, 1, 2].map((i) => bodyOf(caller, i)['command_id'] as string);
    expect(isUuidv7(ids[0] ?? '')).toBe(true);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });
  it('sends no last_n query when none is given', async () => {
    const { api, caller } = setup(executionView);
    await firstValueFrom(api.devboxes.execute('dbx_1', { command: 'ls' }));
    expect(caller.last.request.query).toBeUndefined();
    expect(Object.keys(bodyOf(caller, 0)).sort()).toEqual(['command', 'command_id']);
  });
});

describe('devboxes.uploadFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runloop-api-upload-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function sentForm(file: Parameters<RunloopApi['devboxes']['uploadFile']>[1]['file']): Promise<FormData> {
    const { api, caller } = setup({});
    await firstValueFrom(api.devboxes.uploadFile('dbx_1', { path: 'dir/data.bin', file }));
    const { request } = caller.last;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/devboxes/dbx_1/upload_file');
    expect(request.body).toBeUndefined();
    // The global FormData, so the same code builds it in a browser; the undici transport copies it.
    expect(request.multipart).toBeInstanceOf(FormData);
    return request.multipart as unknown as FormData;
  }

  async function fileText(form: FormData): Promise<{ name: string; text: string }> {
    const file = form.get('file');
    if (file === null || typeof file === 'string') throw new Error('file part missing');
    return { name: file.name, text: await file.text() };
  }

  it('sends bytes as a `file` part named after the remote path, with a `path` field', async () => {
    const form = await sentForm(new TextEncoder().encode('bytes!'));
    expect(form.get('path')).toBe('dir/data.bin');
    expect(await fileText(form)).toEqual({ name: 'data.bin', text: 'bytes!' });
  });

  it('sends a Blob as is', async () => {
    const form = await sentForm(new Blob(['blob!']));
    expect(await fileText(form)).toEqual({ name: 'data.bin', text: 'blob!' });
  });

  it('opens a local file on subscription and names the part after it', async () => {
    const local = join(dir, 'local.txt');
    writeFileSync(local, 'from disk');
    const form = await sentForm({ filePath: local });
    expect(await fileText(form)).toEqual({ name: 'local.txt', text: 'from disk' });
  });

  it('sends nothing when unsubscribed before the local file is open', async () => {
    const local = join(dir, 'early.txt');
    writeFileSync(local, 'never sent');
    const { api, caller } = setup({});
    api.devboxes
      .uploadFile('dbx_1', { path: 'x', file: { filePath: local } })
      .subscribe()
      .unsubscribe();
    // Let the pending open settle (an open of the same file started later has
    // finished by then): it must not reach the caller.
    await openAsBlob(local);
    await new Promise((resolve) => setImmediate(resolve));
    expect(caller.calls).toHaveLength(0);
  });

  it('fails without a request when the local file is missing', async () => {
    const { api, caller } = setup({});
    const missing = join(dir, 'nope');
    const error = await firstValueFrom(
      api.devboxes.uploadFile('dbx_1', { path: 'x', file: { filePath: missing } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as InvalidParamsError).problems).toEqual([`file.filePath: cannot open ${missing} as a file`]);
    expect(caller.calls).toHaveLength(0);
  });
});

describe('blueprints file_mounts limits', () => {
  it('reject oversized mounts on subscription without a request', async () => {
    const { api, caller } = setup({});
    const create$ = api.blueprints.create({ name: 'py', file_mounts: { '/big': 'x'.repeat(131_001) } });
    const error = await lastValueFrom(create$).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParamsError);
    expect((error as InvalidParamsError).problems).toEqual(['file_mounts./big: larger than 131000 bytes']);
    expect(caller.calls).toHaveLength(0);
  });
  it('count UTF-8 bytes, per value and in total', () => {
    expect(fileMountProblems({ '/a': 'é'.repeat(65_500) })).toEqual([]);
    expect(fileMountProblems({ '/a': 'é'.repeat(65_501) })).toHaveLength(1);
    const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`/f${i}`, 'x'.repeat(120_000)]));
    expect(fileMountProblems(many)).toEqual(['file_mounts: larger than 1310000 bytes in total']);
    expect(fileMountProblems(null)).toEqual([]);
  });
});
