// Proves the headless-browser harness: Debian's Chromium starts through playwright-core, renders a
// page served over HTTP, runs its script, and saveScreenshot writes a real PNG.
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, saveScreenshot, SCREENSHOT_DIR } from '../helpers/browser.ts';

let browser: Browser;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><title>harness</title><h1 id="h">static</h1><script>document.getElementById("h").textContent = "rendered by script " + (6 * 7);</script>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

test('Chromium loads a page, runs its script, and a screenshot is saved as PNG', async () => {
  const page = await browser.newPage({ viewport: { width: 640, height: 200 } });
  await page.goto(`${base}/`);
  expect(await page.locator('#h').textContent()).toBe('rendered by script 42');
  const file = await saveScreenshot(page, 'harness smoke');
  expect(file).toBe(`${SCREENSHOT_DIR}/harness-smoke.png`);
  const png = await fsp.readFile(file);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.length).toBeGreaterThan(1000);
  await page.close();
});
