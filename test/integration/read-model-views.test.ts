// The migration runner applies the read-model view files (core/clickhouse/views.ts): a view is
// created once, left alone while its file is unchanged, and re-created once after an edit; the
// repository's views are applied on a fresh store by migrate().
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../../core/clickhouse/migrate.ts';
import { applyViews } from '../../core/clickhouse/views.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

const store = migratedStore('pw-views-');

const viewSql = async (name: string) => {
  const rs = await store.client.query({
    query: 'SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = {n:String}',
    query_params: { n: name },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ as_select: string }>())[0]?.as_select ?? null;
};

describe('read-model views applied by migration', () => {
  it('a fresh store has every view of migrations/views/ recorded; migrating again applies nothing', async () => {
    const rs = await store.client.query({ query: 'SELECT name FROM schema_views FINAL ORDER BY name', format: 'JSONEachRow' });
    expect((await rs.json<{ name: string }>()).map((r) => r.name)).toEqual([
      'pw_accounts',
      'pw_credential_hints',
      'pw_credentials',
      'pw_exposure_lag_items',
      'pw_exposures',
      'pw_lag_items',
      'pw_people',
      'pw_person_accounts',
    ]);
    expect(await applyViews(store.client, path.join(MIGRATIONS_DIR, 'views'))).toEqual([]);
    expect(await migrate(store.client)).toEqual([]);
  });

  it('an edited view file is applied once, deterministically, and its dependants keep working', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-views-edit-'));
    writeFileSync(path.join(dir, 'pw_t_base.sql'), 'SELECT 1 AS k');
    writeFileSync(path.join(dir, 'pw_t_top.sql'), '-- @input base = pw_t_base\nSELECT k * 10 AS k10 FROM {{base}}');
    expect(await applyViews(store.client, dir)).toEqual(['pw_t_base', 'pw_t_top']);
    expect(await applyViews(store.client, dir)).toEqual([]);
    writeFileSync(path.join(dir, 'pw_t_base.sql'), 'SELECT 2 AS k');
    expect(await applyViews(store.client, dir)).toEqual(['pw_t_base']);
    expect(await applyViews(store.client, dir)).toEqual([]);
    const rs = await store.client.query({ query: 'SELECT k10 FROM pw_t_top', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ k10: 20 }]);
    expect(await viewSql('pw_t_base')).toContain('2 AS k');
  });
});
