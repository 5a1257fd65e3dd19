// The dashboard after `planewatch demo`, in real headless Chromium (Debian's chromium via
// playwright-core), as a newcomer sees it: the demo runs as a child process (own data dir, free
// ports), the page is opened at the URL the demo prints and signed in with the token from the
// data dir's run file. Once every detection has an open finding (the API says so), the page must
// list each of them in the open findings of the planes, draw a lag chart on both planes, and show
// the boundary report with proven and not-proven controls. Screenshot: test-artifacts/screenshots/
// dashboard-demo.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { DETECTION_FOLDERS, startDemo, type DemoProcess } from '../helpers/demo-process.ts';
import { launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { waitFor } from '../helpers/wait.ts';

let demo: DemoProcess & { child: ChildProcess };
let browser: Browser;

beforeAll(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (demo) {
    await demo.stop();
    demo.kill();
  }
}, 90_000);

describe('dashboard after planewatch demo', () => {
  it('shows an open finding of every detection, the lag charts of both planes and the boundary report', async () => {
    await waitFor(
      async () => {
        const open = new Set(
          (JSON.parse(await demo.cli(['findings', '--format', 'json'])) as { detection: string }[]).map((f) => f.detection),
        );
        return DETECTION_FOLDERS.every((d) => open.has(d)) ? true : undefined;
      },
      'an open finding of every detection',
      120_000,
      1000,
    );

    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${demo.url}/dashboard`);
    await page.locator('#token-input').fill(demo.token);
    await page.locator('#sign-in-form button[type=submit]').click();
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 60_000 });

    // Open the findings list of each plane and read the detection column.
    for (const plane of ['platform', 'application']) await page.locator(`#${plane}-findings details summary`).click();
    const shown = await page.$$eval('#platform-findings tbody tr, #application-findings tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')).map((cells) => cells[1] ?? ''),
    );
    expect([...new Set(shown)].sort()).toEqual(DETECTION_FOLDERS);

    for (const plane of ['platform', 'application']) {
      expect(await page.locator(`#${plane}-lag-chart`).count(), `${plane} lag chart`).toBe(1);
      expect(await page.locator(`#${plane}-lag-summary`).textContent(), `${plane} lag summary`).toMatch(
        /^SLA \S+ · \d+ items of people deprovisioned/,
      );
    }
    // A polled inventory that completed its cycles is `ok`, not `waiting` for a delivery it never gets.
    const anthropicState = await page.$$eval('#platform-sources tbody tr[data-connection="anthropic-main"] .badge', (bs) =>
      bs.map((b) => b.textContent),
    );
    expect(anthropicState).toEqual(['ok']);
    const reportBadges = await page.$$eval('#boundary-report-body tr[data-control] .badge', (bs) => bs.map((b) => b.textContent));
    expect(reportBadges).toContain('proven');
    expect(reportBadges).toContain('not proven');

    await saveScreenshot(page, 'dashboard-demo');
    await context.close();
    expect(errors).toEqual([]);
  }, 240_000);
});
