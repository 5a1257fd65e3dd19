// Group changes implied by a change of a User, so groups never disagree with the users they list:
//  - a deleted user leaves every group (Entra ID hard-deletes users and does not PATCH the groups
//    first); the removal is published like any membership removal (membership/removed events);
//  - a renamed user's `display` in the groups that list it follows the new name (RFC 7643 §8.4's
//    Group example shows a member's display as the user's displayName).
// Pure: what the new group attributes are and which PatchOp describes them in the change record.
import { isObj, type Obj } from './resource.ts';
import { MSG_PATCH } from './schema.ts';

function members(group: Obj): Obj[] {
  return Array.isArray(group.members) ? group.members.filter(isObj) : [];
}

function withMembers(group: Obj, list: Obj[]): Obj {
  const { members: _old, ...rest } = group;
  return list.length ? { ...rest, members: list } : rest;
}

/** The group's attributes without `userId` among its members. */
export function withoutMember(group: Obj, userId: string): Obj {
  return withMembers(
    group,
    members(group).filter((m) => m.value !== userId),
  );
}

/** The PatchOp recorded for a removal implied by the user's deletion. */
export function removalRequest(userId: string): Obj {
  return { schemas: [MSG_PATCH], Operations: [{ op: 'remove', path: `members[value eq ${JSON.stringify(userId)}]` }] };
}

/** A user's name for display: displayName, else userName. */
export function displayOf(user: Obj): string | null {
  const d = user.displayName;
  if (typeof d === 'string' && d.trim() !== '') return d;
  return typeof user.userName === 'string' ? user.userName : null;
}

/**
 * The group's attributes with the `display` of `userId`'s member entries brought up to date: a
 * display that is neither the user's current userName nor its displayName is stale (it named the
 * user before a rename) and becomes displayOf(user). Entries without a display stay without.
 */
export function withFreshDisplay(group: Obj, userId: string, user: Obj): Obj {
  const display = displayOf(user);
  if (display === null) return group;
  const current = new Set([user.userName, user.displayName].filter((v): v is string => typeof v === 'string'));
  let changed = false;
  const list = members(group).map((m) => {
    if (m.value !== userId || typeof m.display !== 'string' || current.has(m.display)) return m;
    changed = true;
    return { ...m, display };
  });
  return changed ? withMembers(group, list) : group;
}

/** The PatchOp recorded for a display update implied by the user's rename. */
export function displayRequest(userId: string, user: Obj): Obj {
  return {
    schemas: [MSG_PATCH],
    Operations: [{ op: 'replace', path: `members[value eq ${JSON.stringify(userId)}].display`, value: displayOf(user) }],
  };
}
