// SCIM resource state in ClickHouse (table scim_resources, migrations/0003_scim.sql).
//
// Consistency: every write inserts the next version of one resource synchronously
// (async_insert = 0: the insert has returned only once the part is written); every read uses
// FINAL, which merges versions at read time, and WHERE is applied after FINAL (ClickHouse does not
// move WHERE into PREWHERE for FINAL queries by default), so a read issued after a write returned
// sees exactly the latest version of each resource — test/integration/scim-provider.test.ts checks
// both on the real engine. Writers are serialized per connection by the service (durability.ts), so
// "previous version + 1" is never assigned twice. On a replicated cluster reads would also need
// select_sequential_consistency; the embedded engine and a single server do not.
import type { ClickHouseClient } from '@clickhouse/client';
import { fromDateTime64, toDateTime64 } from '../../core/clickhouse/rows.ts';
import type { SqlPredicate } from './filter-sql.ts';
import type { LookupFields, Obj } from './resource.ts';
import type { ResourceType } from './schema.ts';

export const SCIM_TABLE = 'scim_resources';

export interface StoredResource {
  connectionId: string;
  type: ResourceType;
  id: string;
  version: number;
  deleted: boolean;
  /** The stored form (schemas, id, attributes, meta without location). */
  resource: Obj;
  createdAt: number;
  updatedAt: number;
}

export interface WriteRow extends StoredResource {
  lookup: LookupFields;
}

export interface ListPage {
  total: number;
  rows: StoredResource[];
}

export interface GroupRef {
  id: string;
  displayName: string | null;
}

export interface ScimStore {
  /** The latest version of a resource, tombstones included; null if the id was never used. */
  get(connectionId: string, type: ResourceType, id: string): Promise<StoredResource | null>;
  /** Latest versions of several resources of any type (tombstones included), by id. */
  getMany(connectionId: string, ids: readonly string[]): Promise<Map<string, StoredResource>>;
  /** Ids among `ids` ever used by a resource of this type (live or deleted). */
  usedIds(connectionId: string, type: ResourceType, ids: readonly string[]): Promise<Set<string>>;
  /** Id of a live resource other than `exceptId` whose unique attribute equals `valueLc`. */
  conflict(connectionId: string, type: ResourceType, valueLc: string, exceptId: string | null): Promise<string | null>;
  list(connectionId: string, type: ResourceType, where: SqlPredicate | null, startIndex: number, count: number): Promise<ListPage>;
  /** Live groups holding each of `userIds` as a member. */
  groupsOf(connectionId: string, userIds: readonly string[]): Promise<Map<string, GroupRef[]>>;
  write(row: WriteRow): Promise<void>;
}

interface Row {
  connection_id: string;
  resource_type: string;
  id: string;
  version: string | number;
  deleted: number;
  resource: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'connection_id, resource_type, id, version, deleted, resource, created_at, updated_at';

function fromRow(r: Row): StoredResource {
  return {
    connectionId: r.connection_id,
    type: r.resource_type as ResourceType,
    id: r.id,
    version: Number(r.version),
    deleted: Number(r.deleted) === 1,
    resource: JSON.parse(r.resource) as Obj,
    createdAt: fromDateTime64(r.created_at),
    updatedAt: fromDateTime64(r.updated_at),
  };
}

export function clickhouseScimStore(client: ClickHouseClient): ScimStore {
  async function rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  return {
    async get(connectionId, type, id) {
      const r = await rows<Row>(
        `SELECT ${COLUMNS} FROM ${SCIM_TABLE} FINAL WHERE connection_id = {c:String} AND resource_type = {t:String} AND id = {id:String} LIMIT 1`,
        { c: connectionId, t: type, id },
      );
      return r.length ? fromRow(r[0]!) : null;
    },

    async getMany(connectionId, ids) {
      const out = new Map<string, StoredResource>();
      if (ids.length === 0) return out;
      const r = await rows<Row>(
        `SELECT ${COLUMNS} FROM ${SCIM_TABLE} FINAL WHERE connection_id = {c:String} AND id IN {ids:Array(String)}`,
        { c: connectionId, ids: [...new Set(ids)] },
      );
      for (const row of r.map(fromRow)) {
        // A User and a Group never share an id in practice; prefer the live one if they do.
        const prev = out.get(row.id);
        if (!prev || (prev.deleted && !row.deleted)) out.set(row.id, row);
      }
      return out;
    },

    async usedIds(connectionId, type, ids) {
      if (ids.length === 0) return new Set();
      const r = await rows<{ id: string }>(
        `SELECT DISTINCT id FROM ${SCIM_TABLE} WHERE connection_id = {c:String} AND resource_type = {t:String} AND id IN {ids:Array(String)}`,
        { c: connectionId, t: type, ids: [...ids] },
      );
      return new Set(r.map((x) => x.id));
    },

    async conflict(connectionId, type, valueLc, exceptId) {
      const column = type === 'User' ? 'user_name_lc' : 'display_name_lc';
      const r = await rows<{ id: string }>(
        `SELECT id FROM ${SCIM_TABLE} FINAL
         WHERE connection_id = {c:String} AND resource_type = {t:String} AND deleted = 0
           AND ifNull(${column} = {v:String}, 0) AND id != {except:String}
         LIMIT 1`,
        { c: connectionId, t: type, v: valueLc, except: exceptId ?? '' },
      );
      return r.length ? r[0]!.id : null;
    },

    async list(connectionId, type, where, startIndex, count) {
      const params: Record<string, unknown> = { c: connectionId, t: type, ...(where?.params ?? {}) };
      const predicate = `connection_id = {c:String} AND resource_type = {t:String} AND deleted = 0${where ? ` AND ${where.sql}` : ''}`;
      const [{ total }] = (await rows<{ total: string }>(
        `SELECT count() AS total FROM ${SCIM_TABLE} FINAL WHERE ${predicate}`,
        params,
      )) as [{ total: string }];
      if (count <= 0) return { total: Number(total), rows: [] };
      const page = await rows<Row>(
        `SELECT ${COLUMNS} FROM ${SCIM_TABLE} FINAL WHERE ${predicate} ORDER BY created_at, id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
        { ...params, limit: count, offset: Math.max(0, startIndex - 1) },
      );
      return { total: Number(total), rows: page.map(fromRow) };
    },

    async groupsOf(connectionId, userIds) {
      const out = new Map<string, GroupRef[]>();
      if (userIds.length === 0) return out;
      const r = await rows<{ id: string; display_name: string | null; member: string }>(
        `SELECT id, JSONExtractString(resource, 'displayName') AS display_name, member
         FROM ${SCIM_TABLE} FINAL ARRAY JOIN member_ids AS member
         WHERE connection_id = {c:String} AND resource_type = 'Group' AND deleted = 0 AND member IN {ids:Array(String)}
         ORDER BY display_name, id`,
        { c: connectionId, ids: [...new Set(userIds)] },
      );
      for (const row of r) {
        const list = out.get(row.member) ?? [];
        list.push({ id: row.id, displayName: row.display_name || null });
        out.set(row.member, list);
      }
      return out;
    },

    async write(row) {
      await client.insert({
        table: SCIM_TABLE,
        format: 'JSONEachRow',
        values: [
          {
            connection_id: row.connectionId,
            resource_type: row.type,
            id: row.id,
            version: row.version,
            deleted: row.deleted ? 1 : 0,
            ...row.lookup,
            resource: JSON.stringify(row.resource),
            created_at: toDateTime64(row.createdAt),
            updated_at: toDateTime64(row.updatedAt),
          },
        ],
        clickhouse_settings: { async_insert: 0 },
      });
    },
  };
}
