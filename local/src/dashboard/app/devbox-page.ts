/**
 * One devbox: its live status, an exec console, command history, and files.
 *
 * The console starts a command with `cmd.execAsync`, then appends each
 * tagged line of `execution.output$` to the DOM the moment it arrives
 * (stdout and stderr are two resumable SSE streams merged in arrival order;
 * each stream keeps its own order), then the exit code from
 * `execution.result()`. Kill sends `execution.kill()`: the command ends, its
 * remaining output still arrives, and the exit code shows how it ended.
 * Leaving the page unsubscribes, which closes the streams (the command keeps
 * running on the server).
 */
import { Subscription, concat, finalize, map, switchMap } from 'rxjs';
import type { Execution, RunloopBrowser } from 'runloop-rx/browser';
import { bind, h, saveBlob, type View } from './dom.js';

const HISTORY_LIMIT = 50;

function historyKey(devboxId: string): string {
  return `runloop-local-history:${devboxId}`;
}

function loadHistory(devboxId: string): string[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(historyKey(devboxId)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

type ConsoleEvent =
  | { readonly kind: 'line'; readonly stream: 'stdout' | 'stderr'; readonly line: string }
  | { readonly kind: 'exit'; readonly exitCode: number | null };

/**
 * The devbox page.
 *
 * @example
 * router.show(devboxView(runloop, 'dbx_1'));
 */
export function devboxView(runloop: RunloopBrowser, id: string): View {
  const subscription = new Subscription();
  const box = runloop.devbox(id);
  const errors = h('p', { class: 'error', hidden: true });
  const status = h('span', { class: 'status', id: 'devbox-status' }, '…');
  bind(
    subscription,
    box.status$,
    (s) => {
      status.textContent = s;
      status.dataset['status'] = s;
    },
    errors,
  );

  // Exec console.
  const output = h('ol', { class: 'console', id: 'console', 'aria-live': 'polite' });
  const command = h('input', {
    id: 'command',
    name: 'command',
    placeholder: 'command, e.g. ls -la',
    autocomplete: 'off',
    'aria-label': 'command',
  });
  const kill = h('button', { id: 'kill', type: 'button', disabled: true }, 'Kill');
  const run = h('button', { id: 'run', type: 'submit', class: 'primary' }, 'Run');
  const historyList = h('ul', { class: 'history', id: 'history' });
  let history = loadHistory(id);
  let running: Subscription | undefined;
  let current: Execution | undefined;

  const renderHistory = (): void => {
    historyList.replaceChildren(
      ...history.map((cmd) =>
        h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => (command.value = cmd) }, cmd)),
      ),
    );
  };
  renderHistory();

  const append = (event: ConsoleEvent): void => {
    if (event.kind === 'line') {
      output.append(h('li', { class: `line ${event.stream}`, 'data-stream': event.stream }, event.line));
    } else {
      output.append(
        h(
          'li',
          { class: 'exit', id: 'exit', 'data-exit-code': String(event.exitCode) },
          `exit code ${String(event.exitCode)}`,
        ),
      );
    }
    // Keep the newest line in view while following.
    output.scrollTop = output.scrollHeight;
  };

  const start = (text: string): void => {
    running?.unsubscribe();
    output.replaceChildren();
    history = [text, ...history.filter((c) => c !== text)].slice(0, HISTORY_LIMIT);
    sessionStorage.setItem(historyKey(id), JSON.stringify(history));
    renderHistory();
    run.disabled = true;
    const run$ = box.cmd.execAsync(text).pipe(
      switchMap((execution) => {
        current = execution;
        kill.disabled = false;
        return concat(
          execution.output$.pipe(map((l): ConsoleEvent => ({ kind: 'line', stream: l.stream, line: l.line }))),
          execution.result().pipe(map((r): ConsoleEvent => ({ kind: 'exit', exitCode: r.exitCode }))),
        );
      }),
      finalize(() => {
        current = undefined;
        kill.disabled = true;
        run.disabled = false;
      }),
    );
    running = new Subscription();
    subscription.add(running);
    bind(running, run$, append, errors);
  };

  kill.addEventListener('click', () => {
    if (current !== undefined) bind(subscription, current.kill(), () => undefined, errors);
  });
  const form = h(
    'form',
    {
      class: 'inline',
      id: 'exec-form',
      onsubmit: (event) => {
        event.preventDefault();
        const text = command.value.trim();
        if (text !== '') start(text);
      },
    },
    command,
    run,
    kill,
  );

  // Files.
  const uploadPath = h('input', {
    id: 'upload-path',
    placeholder: 'remote path, e.g. /home/user/data.csv',
    'aria-label': 'upload to path',
  });
  const uploadFile = h('input', { id: 'upload-file', type: 'file', 'aria-label': 'file to upload' });
  const fileStatus = h('span', { class: 'muted', id: 'file-status' });
  const upload = h(
    'form',
    {
      class: 'inline',
      onsubmit: (event) => {
        event.preventDefault();
        const file = uploadFile.files?.[0];
        if (file === undefined) return;
        const path = uploadPath.value.trim() || file.name;
        fileStatus.textContent = `uploading ${file.name}…`;
        bind(subscription, box.upload(path, file), () => (fileStatus.textContent = `uploaded ${path}`), errors);
      },
    },
    uploadPath,
    uploadFile,
    h('button', { type: 'submit' }, 'Upload'),
  );
  const downloadPath = h('input', {
    id: 'download-path',
    placeholder: 'remote path to download',
    'aria-label': 'download path',
  });
  const download = h(
    'form',
    {
      class: 'inline',
      onsubmit: (event) => {
        event.preventDefault();
        const path = downloadPath.value.trim();
        if (path === '') return;
        bind(subscription, box.download(path), (blob) => saveBlob(blob, path.split('/').pop() || 'download'), errors);
      },
    },
    downloadPath,
    h('button', { type: 'submit' }, 'Download'),
  );

  const element = h(
    'main',
    { id: 'devbox', 'data-devbox-id': id },
    h('p', {}, h('a', { href: '#/' }, '← devboxes')),
    h('h1', {}, id, ' ', status),
    errors,
    h('section', {}, h('h2', {}, 'Exec'), form, output),
    h('section', {}, h('h2', {}, 'History'), historyList),
    h('section', {}, h('h2', {}, 'Files'), upload, download, fileStatus),
  );
  return { element, subscription };
}
