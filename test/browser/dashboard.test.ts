/**
 * The dashboard in a real browser (Debian's chromium via playwright-core)
 * against a real runloop-local with real devboxes: sign-in by the URL the
 * server prints, create a devbox, stream a command's 1,000 interleaved
 * stdout/stderr lines and its exit code, kill a command, suspend and resume
 * from the fleet card, shut down. Screenshots go to test-results/browser/.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/local-server.js';
import { launchChromium, type Chromium } from './support/chromium.js';

const OUTPUT_DIR = new URL('../../test-results/browser/', import.meta.url).pathname;
const LINES_PER_STREAM = 500;

let server: TestServer;
let browser: Chromium;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  page = await browser.context.newPage();
  // CSP violations and uncaught errors surface here: the page must have none.
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

async function cardStatus(id: string, status: string): Promise<void> {
  await page.locator(`article.card[data-devbox-id="${id}"][data-status="${status}"]`).waitFor({ timeout: 120_000 });
}

describe('the dashboard in chromium', () => {
  it('signs in with the token in the URL, then drops it from the address bar', async () => {
    await page.goto(`${server.url}/?token=${server.token}`);
    await page.locator('#fleet').waitFor();
    expect(page.url()).toBe(`${server.url}/`);
  });

  let devboxId = '';

  it('creates a devbox from the fleet view; its card goes live to running', async () => {
    await page.fill('#fleet input[name="name"]', 'browser-test');
    await page.click('#fleet button[type="submit"]');
    const card = page.locator('article.card').first();
    await card.waitFor({ timeout: 30_000 });
    devboxId = (await card.getAttribute('data-devbox-id')) ?? '';
    expect(devboxId).toMatch(/^dbx_/);
    await cardStatus(devboxId, 'running');
    await expect(page.locator('#fleet .summary').textContent()).resolves.toBe('1 running');
  }, 180_000);

  it('streams 1,000 interleaved stdout/stderr lines in order, marked by stream, then the exit code', async () => {
    await page.click(`article.card[data-devbox-id="${devboxId}"] header a`);
    await page.locator('#devbox').waitFor();
    const command = `for i in $(seq 1 ${LINES_PER_STREAM}); do echo "out $i"; echo "err $i" >&2; done; exit 3`;
    await page.fill('#command', command);
    await page.click('#run');
    await page.locator('#console li.exit').waitFor({ timeout: 60_000 });

    const lines = await page.$$eval('#console li.line', (items) =>
      items.map((li) => ({ stream: li.getAttribute('data-stream'), cls: li.className, text: li.textContent })),
    );
    expect(lines).toHaveLength(2 * LINES_PER_STREAM);
    const expected = (prefix: string) => Array.from({ length: LINES_PER_STREAM }, (_, i) => `${prefix} ${i + 1}`);
    // Each stream in its own order; the two are merged in arrival order.
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(expected('out'));
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(expected('err'));
    expect(lines.every((l) => l.cls === `line ${l.stream}`)).toBe(true);
    // stderr is marked apart on screen, not only in the DOM.
    type StyleWindow = { getComputedStyle(el: unknown): { borderLeftStyle: string } };
    const border = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((el) => (globalThis as unknown as StyleWindow).getComputedStyle(el).borderLeftStyle);
    expect(await border('#console li.stderr')).toBe('solid');
    expect(await border('#console li.stdout')).toBe('none');
    expect(await page.locator('#console li.exit').getAttribute('data-exit-code')).toBe('3');
    // The console is the last thing added: nothing after the exit code.
    expect(await page.locator('#console li').last().getAttribute('class')).toBe('exit');
    await expect(page.locator('#history li').first().textContent()).resolves.toBe(command);
  }, 120_000);

  it('uploads a file from the page and downloads it back', async () => {
    await page.fill('#upload-path', '/tmp/from-browser.txt');
    await page.setInputFiles('#upload-file', {
      name: 'a.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello from the browser\n'),
    });
    await page.click('#upload-path ~ button[type="submit"]');
    await page.locator('#file-status', { hasText: 'uploaded /tmp/from-browser.txt' }).waitFor({ timeout: 30_000 });
    await page.fill('#download-path', '/tmp/from-browser.txt');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#download-path ~ button[type="submit"]'),
    ]);
    expect(download.suggestedFilename()).toBe('from-browser.txt');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello from the browser\n');
  }, 60_000);

  it('shows a short build-like command as it runs (the README screenshot)', async () => {
    await page.fill(
      '#command',
      'for i in 1 2 3 4 5 6; do echo "step $i ok"; [ $((i % 3)) = 0 ] && echo "warning: step $i was slow" >&2; sleep 0.1; done; cat /tmp/from-browser.txt',
    );
    await page.click('#run');
    await page.locator('#console li.exit[data-exit-code="0"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#console li.stderr').count()).toBe(2);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: `${OUTPUT_DIR}devbox-console.png` });
  }, 60_000);

  it('kills a running command: the exit code shows it ended by a signal', async () => {
    await page.fill('#command', 'echo started; sleep 600');
    await page.click('#run');
    await page.locator('#console li.stdout', { hasText: 'started' }).waitFor({ timeout: 30_000 });
    await page.click('#kill');
    const exit = page.locator('#console li.exit');
    await exit.waitFor({ timeout: 30_000 });
    expect(Number(await exit.getAttribute('data-exit-code'))).toBeGreaterThan(128);
  }, 90_000);

  it('shows a card change state on suspend and resume, then shuts the devbox down', async () => {
    await page.goto(`${server.url}/#/`);
    await cardStatus(devboxId, 'running');
    await page.click(`article.card[data-devbox-id="${devboxId}"] .act-suspend`);
    await cardStatus(devboxId, 'suspended');
    await page.click(`article.card[data-devbox-id="${devboxId}"] .act-resume`);
    await cardStatus(devboxId, 'running');
    await page.screenshot({ path: `${OUTPUT_DIR}fleet.png` });
    await page.click(`article.card[data-devbox-id="${devboxId}"] .act-shutdown`);
    // Shut down devboxes leave the fleet view.
    await page.locator(`article.card[data-devbox-id="${devboxId}"]`).waitFor({ state: 'detached', timeout: 60_000 });
    const view = await server.request('GET', `/v1/devboxes/${devboxId}`);
    expect(view.json.status).toBe('shutdown');
  }, 240_000);

  it('builds a blueprint from the page and shows its build log live, then the outcome', async () => {
    await page.goto(`${server.url}/#/blueprints`);
    await page.fill('#blueprints-page input[name="name"]', 'browser-bp');
    await page.fill(
      '#blueprints-page textarea[name="dockerfile"]',
      'FROM runloop:runloop/starter-x86_64\nRUN echo built-in-browser-test > /marker.txt\n',
    );
    await page.click('#blueprints-page button[type="submit"]');
    await page.locator('#blueprint, #blueprints-page .error:not([hidden])').first().waitFor({ timeout: 30_000 });
    expect(
      await page
        .locator('#blueprints-page .error')
        .textContent()
        .catch(() => ''),
    ).toBe('');
    await page
      .locator('#build-log li', { hasText: 'RUN echo built-in-browser-test' })
      .first()
      .waitFor({ timeout: 120_000 });
    await page.locator('#blueprint .status[data-status="build_complete"]').waitFor({ timeout: 180_000 });
    expect(await page.locator('#build-log li').count()).toBeGreaterThan(1);
  }, 240_000);

  it('lists storage objects with working download links, and snapshots', async () => {
    const created = await server.request('POST', '/v1/objects', { name: 'notes.txt', content_type: 'text' });
    const upload = await fetch(created.json.upload_url as string, { method: 'PUT', body: 'stored object body' });
    expect(upload.ok).toBe(true);
    expect((await server.request('POST', `/v1/objects/${created.json.id}/complete`)).status).toBe(200);
    await page.goto(`${server.url}/#/storage`);
    const link = page.locator(`#objects li[data-object-id="${created.json.id}"] a.download`);
    await link.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('stored object body');
    await page.locator('#snapshots').waitFor({ state: 'attached' });
  }, 60_000);

  it('logged no error on the page (no CSP violation, no uncaught error)', () => {
    expect(pageErrors).toEqual([]);
  });
});
