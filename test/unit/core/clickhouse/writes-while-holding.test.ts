// The evaluation's client writes only while the detector lease is held (core/clickhouse/writes-while-holding.ts).
import { describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { writesWhileHolding } from '../../../../core/clickhouse/writes-while-holding.ts';

function recordingClient(calls: string[]): ClickHouseClient {
  return {
    command: async (p: { query: string }) => void calls.push(`command ${p.query}`),
    insert: async (p: { table: string }) => void calls.push(`insert ${p.table}`),
    query: async (p: { query: string }) => void calls.push(`query ${p.query}`),
  } as unknown as ClickHouseClient;
}

describe('writesWhileHolding', () => {
  it('passes writes and reads through while the lease is held', async () => {
    const calls: string[] = [];
    const client = writesWhileHolding(recordingClient(calls), { holds: () => true }, () => new Error('not holding'));
    await client.command({ query: 'TRUNCATE TABLE pw_eval_scope' });
    await client.insert({ table: 'pw_findings', values: [], format: 'JSONEachRow' });
    await client.query({ query: 'SELECT 1' });
    expect(calls).toEqual(['command TRUNCATE TABLE pw_eval_scope', 'insert pw_findings', 'query SELECT 1']);
  });

  it('refuses every write once the lease is no longer held, without sending it, and still reads', async () => {
    const calls: string[] = [];
    let holding = true;
    const client = writesWhileHolding(recordingClient(calls), { holds: () => holding }, () => new Error('lease lost'));
    await client.command({ query: 'DELETE FROM pw_eval_accounts WHERE 1' });
    holding = false; // frozen past the session, resumed
    await expect(client.command({ query: 'INSERT INTO pw_eval_accounts SELECT 1' })).rejects.toThrow('lease lost');
    await expect(client.insert({ table: 'pw_evaluations', values: [], format: 'JSONEachRow' })).rejects.toThrow('lease lost');
    await client.query({ query: 'SELECT count() FROM pw_eval_accounts' });
    expect(calls).toEqual(['command DELETE FROM pw_eval_accounts WHERE 1', 'query SELECT count() FROM pw_eval_accounts']);
  });
});
