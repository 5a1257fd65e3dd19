// Which list filters the store answers, as a ClickHouse predicate over the lookup columns of
// scim_resources (migrations/0003_scim.sql) with bound parameters (never string-spliced values).
//
// Supported (attribute names case-insensitive, optionally schema-URN-qualified):
//   Users:  id, userName, externalId, displayName, emails / emails.value / emails[value eq "…"],
//           active
//   Groups: id, displayName, externalId, members / members.value / members[value eq "…"]
//   with `eq` (plus `pr` on externalId), combined with and / or / not / parentheses.
// Nullable columns compare through ifNull(…, 0) so that `not (externalId eq "x")` also matches
// resources without an externalId.
// Comparison follows RFC 7643 caseExact: userName, displayName and emails case-insensitively;
// id, externalId and member values exactly. Anything else is `invalidFilter` with the list above,
// which is what RFC 7644 §3.4.2.2 asks of a provider that does not support a filter.
import { invalidFilter } from './errors.ts';
import { formatAttrPath, type AttrPath, type CompValue, type Filter } from './filter.ts';
import { CORE_GROUP, CORE_USER, type ResourceType } from './schema.ts';

export interface SqlPredicate {
  sql: string;
  params: Record<string, string | number>;
}

type Column =
  | { kind: 'exact'; column: 'id' | 'external_id' }
  | { kind: 'lower'; column: 'user_name_lc' | 'display_name_lc' }
  | { kind: 'array-lower'; column: 'emails_lc' }
  | { kind: 'array-exact'; column: 'member_ids' }
  | { kind: 'bool'; column: 'active' };

const COLUMNS: Record<ResourceType, Record<string, Column>> = {
  User: {
    id: { kind: 'exact', column: 'id' },
    username: { kind: 'lower', column: 'user_name_lc' },
    externalid: { kind: 'exact', column: 'external_id' },
    displayname: { kind: 'lower', column: 'display_name_lc' },
    emails: { kind: 'array-lower', column: 'emails_lc' },
    'emails.value': { kind: 'array-lower', column: 'emails_lc' },
    active: { kind: 'bool', column: 'active' },
  },
  Group: {
    id: { kind: 'exact', column: 'id' },
    displayname: { kind: 'lower', column: 'display_name_lc' },
    externalid: { kind: 'exact', column: 'external_id' },
    members: { kind: 'array-exact', column: 'member_ids' },
    'members.value': { kind: 'array-exact', column: 'member_ids' },
  },
};

const SUPPORTED: Record<ResourceType, string> = {
  User: 'id, userName, externalId, displayName, emails.value (or emails[value eq "…"]) and active with "eq", externalId with "pr", combined with and / or / not',
  Group:
    'id, displayName, externalId and members.value (or members[value eq "…"]) with "eq", externalId with "pr", combined with and / or / not',
};

function key(rt: ResourceType, a: AttrPath): string {
  if (a.uri !== null) {
    const core = rt === 'User' ? CORE_USER : CORE_GROUP;
    if (a.uri.toLowerCase() !== core.toLowerCase()) {
      throw invalidFilter(`filtering on "${formatAttrPath(a)}" is not supported; supported: ${SUPPORTED[rt]}`);
    }
  }
  return (a.sub ? `${a.name}.${a.sub}` : a.name).toLowerCase();
}

export function filterToSql(rt: ResourceType, f: Filter): SqlPredicate {
  const params: Record<string, string | number> = {};
  let n = 0;
  const bind = (v: string): string => {
    const name = `f${n++}`;
    params[name] = v;
    return `{${name}:String}`;
  };
  const unsupported = (what: string) => invalidFilter(`${what} is not supported; supported: ${SUPPORTED[rt]}`);

  const compare = (attr: AttrPath, value: CompValue): string => {
    const col = COLUMNS[rt][key(rt, attr)];
    if (!col) throw unsupported(`filtering on "${formatAttrPath(attr)}"`);
    if (col.kind === 'bool') {
      const b =
        typeof value === 'boolean'
          ? value
          : typeof value === 'string' && /^(true|false)$/i.test(value.trim())
            ? value.trim().toLowerCase() === 'true'
            : null;
      if (b === null) throw invalidFilter(`"${formatAttrPath(attr)} eq": expected true or false`);
      return `ifNull(active = ${b ? 1 : 0}, 0)`;
    }
    if (typeof value !== 'string') {
      throw invalidFilter(
        `"${formatAttrPath(attr)} eq": expected a string value in double quotes, got ${value === null ? 'null' : typeof value}`,
      );
    }
    switch (col.kind) {
      case 'exact':
        return `ifNull(${col.column} = ${bind(value)}, 0)`;
      case 'lower':
        return `ifNull(${col.column} = ${bind(value.toLowerCase())}, 0)`;
      case 'array-lower':
        return `has(${col.column}, ${bind(value.toLowerCase())})`;
      case 'array-exact':
        return `has(${col.column}, ${bind(value)})`;
    }
  };

  const walk = (node: Filter): string => {
    switch (node.op) {
      case 'and':
      case 'or':
        return `(${walk(node.left)} ${node.op.toUpperCase()} ${walk(node.right)})`;
      case 'not':
        return `(NOT ${walk(node.filter)})`;
      case 'pr': {
        const k = key(rt, node.attr);
        if (k !== 'externalid') throw unsupported(`"${formatAttrPath(node.attr)} pr"`);
        return `(external_id IS NOT NULL AND external_id != '')`;
      }
      case 'valuePath': {
        // emails[value eq "x"] / members[value eq "x"]: one eq on the element's value.
        const inner = node.filter;
        if (inner.op !== 'eq' || inner.attr.uri !== null || inner.attr.sub !== null || inner.attr.name.toLowerCase() !== 'value') {
          throw unsupported(`the value filter "${formatAttrPath(node.attr)}[…]" (only [value eq "…"])`);
        }
        return compare({ uri: node.attr.uri, name: node.attr.name, sub: 'value' }, inner.value);
      }
      case 'eq':
        return compare(node.attr, node.value);
      default:
        throw unsupported(`the operator "${node.op}" (on "${formatAttrPath(node.attr)}")`);
    }
  };
  return { sql: walk(f), params };
}
