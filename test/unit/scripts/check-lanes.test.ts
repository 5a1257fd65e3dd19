// The lane rules and the baseline that may only shrink (scripts/check-lanes.ts).
import { describe, expect, it } from 'vitest';
import { compareWithBaseline, forbidden, violations } from '../../../scripts/check-lanes.ts';

const lane = (kind: string, name = kind) => ({ kind, name });

describe('lane rules', () => {
  it('keeps core free of every outer lane', () => {
    for (const outer of ['local-broker', 'runtime', 'source-kit', 'store', 'cli'])
      expect(forbidden(lane('core'), lane(outer))).toMatch(/core must not depend/);
    expect(forbidden(lane('core'), lane('services', 'api'))).toMatch(/core must not depend on services/);
  });
  it('lets a source use core and the source kit, never another source or a service', () => {
    expect(forbidden(lane('sources', 'okta'), lane('core'))).toBeNull();
    expect(forbidden(lane('sources', 'okta'), lane('source-kit'))).toBeNull();
    expect(forbidden(lane('sources', 'okta'), lane('sources', 'okta'))).toBeNull();
    expect(forbidden(lane('sources', 'okta'), lane('sources', 'workos'))).toMatch(/must not import source "workos"/);
    expect(forbidden(lane('sources', 'okta'), lane('store'))).toMatch(/only use core/);
  });
  it('keeps the store below the services', () => {
    expect(forbidden(lane('store'), lane('services', 'poller'))).toMatch(/store\/ may only use/);
    expect(forbidden(lane('services', 'api'), lane('store'))).toBeNull();
  });
  it('lets only the composition root import other services', () => {
    expect(forbidden(lane('services', 'api'), lane('services', 'alerter'))).toMatch(/must not import service "alerter"/);
    expect(forbidden(lane('services', 'all-in-one'), lane('services', 'alerter'))).toBeNull();
  });
  it('forbids cli → services except the composition root `planewatch start` runs', () => {
    expect(forbidden(lane('cli'), lane('services', 'alerter'))).toMatch(/CLI must not import service "alerter"/);
    expect(forbidden(lane('cli'), lane('services', 'all-in-one'))).toBeNull();
    expect(forbidden(lane('cli'), lane('store'))).toBeNull();
  });
});

describe('the demo', () => {
  it('may compose services like the all-in-one root, and the CLI may start it', () => {
    expect(forbidden(lane('demo'), lane('services', 'poller'))).toBeNull();
    expect(forbidden(lane('demo'), lane('cli'))).toMatch(/must not import the CLI/);
    expect(forbidden(lane('cli'), lane('demo'))).toBeNull();
  });
});

describe('the baseline only shrinks', () => {
  const a = 'cli/commands/x.ts imports ../../services/api/y.ts';
  it('reports a violation not in the baseline as added', () => {
    expect(compareWithBaseline([`${a}: why`], [])).toEqual({ added: [`${a}: why`], gone: [] });
  });
  it('reports a baseline entry that no longer occurs as gone, so it must be removed', () => {
    expect(compareWithBaseline([], [a])).toEqual({ added: [], gone: [a] });
  });
  it('accepts a known violation', () => {
    expect(compareWithBaseline([`${a}: why`], [a])).toEqual({ added: [], gone: [] });
  });
  it('finds no violation outside the baseline in this repository', async () => {
    const { readFileSync } = await import('node:fs');
    const baseline = JSON.parse(readFileSync(new URL('../../../scripts/lane-baseline.json', import.meta.url), 'utf8')) as {
      violations: string[];
    };
    expect(compareWithBaseline(violations(), baseline.violations)).toEqual({ added: [], gone: [] });
  });
});
