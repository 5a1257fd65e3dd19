// SQL that generates identity_events rows inside ClickHouse (INSERT … SELECT FROM numbers()): the
// store's own insert limit, with values shaped like the WorkOS events the pipeline stores (same
// columns filled, similar string lengths, 50,000 subjects, 200 tenants, 90 days of occurred_at
// spread over monthly partitions).

const COLUMNS = [
  'event_id',
  'source',
  'connection_id',
  'plane',
  'tenant_id',
  'authoritative_for',
  'category',
  'action',
  'outcome',
  'subject_kind',
  'subject_id',
  'subject_email',
  'subject_name',
  'actor_kind',
  'actor_id',
  'actor_email',
  'actor_ip',
  'actor_user_agent',
  'actor_credential_id',
  'credential_id',
  'credential_kind',
  'credential_owner_id',
  'credential_owner_kind',
  'credential_scopes',
  'credential_created_at',
  'credential_last_used_at',
  'occurred_at',
  'received_at',
  'raw_id',
  'vendor_type',
  'ocsf_class_uid',
  'ocsf_activity_id',
  'attributes',
] as const;

/** `(columns) SELECT … FROM numbers(offset, n)` for `INSERT INTO identity_events`. */
export function generatedRowsSelect(n: number, offset = 0): string {
  if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad n/offset ${n}/${offset}`);
  const s = 'toString(number % 50000)';
  const isKey = 'number % 7 = 0';
  const exprs = [
    `concat('event_01HZXGENERATED', leftPad(toString(number), 12, '0'))`,
    `'workos'`,
    `'workos-bench'`,
    `if(number % 10 = 0, 'platform', 'application')`,
    `concat('org_01HZXACMECUSTOMER', leftPad(toString(number % 200), 9, '0'))`,
    `if(number % 10 = 0, 'employees', 'customers')`,
    `arrayElement(['account','authentication','session','membership','credential','connection','account'], (number % 7) + 1)`,
    `arrayElement(['created','updated','deleted','succeeded','failed','revoked','added','removed','suspended'], (number % 9) + 1)`,
    `if(number % 3 = 0, NULL, if(number % 11 = 0, 'failure', 'success'))`,
    `if(${isKey}, 'api_key', 'human')`,
    `concat('directory_user_01HZXUSER', ${s})`,
    `concat('user.', ${s}, '@customer.example')`,
    `concat('User ', ${s})`,
    `'human'`,
    `concat('user_01HZXACTOR', toString(number % 5000))`,
    `concat('admin.', toString(number % 5000), '@customer.example')`,
    `IPv4NumToString(toUInt32(3405803776 + number % 65536))`,
    `'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'`,
    `NULL`,
    `if(${isKey}, concat('api_key_01HZXKEY', toString(number % 20000)), NULL)`,
    `if(${isKey}, 'api_key', NULL)`,
    `if(${isKey}, concat('user_01HZXOWNER', toString(number % 5000)), NULL)`,
    `if(${isKey}, 'human', NULL)`,
    `if(${isKey}, ['read','write'], [])`,
    `if(${isKey}, toDateTime64('2026-06-01 00:00:00', 3, 'UTC') + toIntervalSecond(number % 7776000), NULL)`,
    `NULL`,
    `toDateTime64('2026-09-01 00:00:00', 3, 'UTC') + toIntervalMillisecond((number * 7919) % 7776000000)`,
    `toDateTime64('2026-09-01 00:00:01', 3, 'UTC') + toIntervalMillisecond((number * 7919) % 7776000000)`,
    `concat('raw_', lower(hex(sipHash128(number))))`,
    `arrayElement(['dsync.user.created','dsync.user.updated','dsync.user.deleted','authentication.sso_succeeded','session.created','organization_membership.created','api_key.created'], (number % 7) + 1)`,
    `3002`,
    `toInt32(number % 7)`,
    `map('directory_id', concat('directory_01HZXACMEOKTA', toString(number % 200)), 'idp_id', concat('00u', ${s}))`,
  ];
  return `(${COLUMNS.join(', ')}) SELECT ${exprs.join(',\n  ')} FROM numbers(${offset}, ${n})`;
}
