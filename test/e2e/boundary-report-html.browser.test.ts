// The HTML form of the boundary report (what an auditor receives) rendered in headless Chromium:
// the scenario of test/helpers/scenario/boundary-report-scenario.ts through the real vendor
// modules and normalizer into embedded ClickHouse, the report built and rendered, the page opened
// from a file with every network request refused, a screenshot saved as a test artifact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { parseBoundaryMap } from '../../core/config/load.ts';
import { SOURCES } from '../../sources/registry.ts';
import { buildBoundaryReport } from '../../store/reports/boundary-report.ts';
import { parseReportPeriod } from '../../store/reports/period.ts';
import { renderHtml } from '../../store/reports/render-html.ts';
import { launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { deliver, normalizeAll } from '../helpers/scenario/load.ts';
import { boundaryReportScenario, NOW } from '../helpers/scenario/boundary-report-scenario.ts';

let ch: ClickHouse;
let browser: Browser;
let file: string;
const sc = boundaryReportScenario('htmlrun1');

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-report-html-'));
  ch = createClickHouse({ dataDir: path.join(dir, 'clickhouse') });
  await migrate(ch.client);
  const map = parseBoundaryMap(sc.configYaml, 'scenario.yaml');
  await deliver(ch.client, normalizeAll(sc.envelopes, map));
  const report = await buildBoundaryReport(ch.client, map, (v) => SOURCES[v]!.defaultPlane, {
    period: parseReportPeriod('2026-Q3'),
    now: NOW,
    wallClock: () => Date.UTC(2026, 8, 20, 12, 5, 0),
  });
  file = path.join(dir, 'boundary-report.html');
  writeFileSync(file, renderHtml(report));
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await ch?.close();
});

describe('boundary report HTML in headless Chromium', () => {
  it('shows both planes side by side with their statuses, opens the query behind a figure, and loads nothing from the network', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);

    expect(await page.locator('h1').textContent()).toBe('Boundary report 2026-Q3');
    await expect(page.locator('p.meta').first().textContent()).resolves.toContain('generated 2026-09-20T12:05:00.000Z');
    const status = (plane: string, tenant: string, control: string) =>
      page
        .locator(`.plane[data-plane="${plane}"][data-tenant="${tenant}"] .control[data-control="${control}"]`)
        .getAttribute('data-status');
    expect(await status('platform', '', 'provisioning')).toBe('not_proven');
    expect(await status('application', '', 'provisioning')).toBe('proven');
    expect(await status('platform', '', 'deprovisioning')).toBe('not_proven');
    expect(await status('application', '', 'deprovisioning')).toBe('proven');
    expect(await status('application', sc.ids.org, 'deprovisioning')).toBe('proven');

    // Side by side: the two plane columns share a row.
    const [p, a] = await Promise.all(
      ['platform', 'application'].map((pl) => page.locator(`.grid .plane[data-plane="${pl}"][data-tenant=""]`).boundingBox()),
    );
    expect(p!.y).toBe(a!.y);
    expect(a!.x).toBeGreaterThan(p!.x + p!.width - 1);

    // The listed accounts.
    const platformProv = page.locator('.plane[data-plane="platform"][data-tenant=""] .control[data-control="provisioning"]');
    expect(await platformProv.locator('.items li').allTextContents()).toEqual([
      expect.stringContaining(`directory_source_silent workos:${sc.ids.wf}`),
      expect.stringContaining(`unmanaged_account openai:${sc.ids.oaiC} <${sc.ids.emailC}>`),
    ]);

    // A figure's query opens in place.
    const overdue = page.locator(
      '.plane[data-plane="platform"][data-tenant=""] .control[data-control="deprovisioning"] .figure[data-figure="overdue"]',
    );
    expect(await overdue.locator('.label').textContent()).toBe('pending longer than the SLA');
    expect(await overdue.locator('.value').textContent()).toBe('2');
    const pre = overdue.locator('pre');
    expect(await pre.isVisible()).toBe(false);
    await overdue.locator('summary').click();
    expect(await pre.isVisible()).toBe(true);
    expect(await pre.textContent()).toContain('pw_lag_items('); // the one definition of a lag item

    // Data sources and their coverage.
    expect(await page.locator('table').first().locator('tbody tr').count()).toBe(2);

    const shot = await saveScreenshot(page, 'boundary-report-html');
    expect((await fsp.stat(shot)).size).toBeGreaterThan(30_000);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
