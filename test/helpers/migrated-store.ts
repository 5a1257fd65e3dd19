// One embedded ClickHouse store per test file (chDB allows one data path per process, and vitest
// runs each file in a process of its own), in a temp dir, with every migration applied: opened
// before the file's tests and its own beforeAll hooks registered after this call, closed after.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';

export interface MigratedStore {
  readonly ch: ClickHouse;
  readonly client: ClickHouseClient;
}

export function migratedStore(tmpPrefix: string): MigratedStore {
  let ch: ClickHouse | undefined;
  beforeAll(async () => {
    ch = createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), tmpPrefix)) });
    await migrate(ch.client);
  });
  afterAll(async () => {
    await ch?.close();
  });
  const open = (): ClickHouse => {
    if (!ch) throw new Error('migratedStore: used outside the tests (the store opens in beforeAll)');
    return ch;
  };
  return {
    get ch() {
      return open();
    },
    get client() {
      return open().client;
    },
  };
}
