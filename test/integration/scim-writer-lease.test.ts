// Two SCIM service providers on one store, each with a real 'scim-writer' lease on the test broker:
// the holder writes; the other answers writes 503 with Retry-After: 1 and the standby error, and
// serves reads; once the holder releases the lease, the other takes over and the roles swap.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../core/kafka/client.ts';
import { startLease, type KafkaLease } from '../../core/kafka/lease.ts';
import { scimProviders } from '../helpers/scim-provider.ts';

const TOKEN = 'writer-lease-token';
const start = scimProviders('pw-scim-writer-lease-', 'idp', TOKEN);
const leases: KafkaLease[] = [];
afterAll(async () => {
  for (const l of leases) await l.stop();
});

const user = (name: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: name, active: true });

describe('SCIM writer lease', () => {
  it('lets the holder write, keeps the other on standby serving reads, and swaps on release', async () => {
    const kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), 'scim-writer-lease-test', { log: pino({ level: 'silent' }) });
    const role = `scim-writer-${process.pid}`;
    const first = await startLease(kafka, role, { sessionTimeoutMs: 6000 });
    const second = await startLease(kafka, role, { sessionTimeoutMs: 6000 });
    leases.push(first, second);
    expect(await first.waitUntilLeading(10_000)).toBe(true);
    const active = await start({ writer: first });
    const standby = await start({ writer: second });

    const refused = await standby.call('POST', '/Users', user('ada@example.com'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.detail).toBe(
      'this instance is on standby: another instance holds the SCIM writer lease and accepts writes; retry shortly (reads are served here)',
    );
    const created = await active.call('POST', '/Users', user('ada@example.com'));
    expect(created.status).toBe(201);
    const read = await standby.call('GET', `/Users/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.userName).toBe('ada@example.com');
    expect(standby.published).toEqual([]);

    await first.stop(); // leaves the group: the standby gets the lease without waiting for a session
    expect(await second.waitUntilLeading(15_000)).toBe(true);
    expect(
      (
        await standby.call('PATCH', `/Users/${created.body.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        })
      ).status,
    ).toBe(200);
    expect((await active.call('DELETE', `/Users/${created.body.id}`)).status).toBe(503);
  }, 60_000);
});
