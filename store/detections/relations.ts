// The read models a detection reads, named in its SQL as placeholders (`FROM {{people}}`), and what
// each resolves to: in the detector, the evaluation snapshot table (store/read-models/snapshot.ts)
// built for its evaluation; in the boundary report, which has its own as-of time and must not read
// the detector's tables, the live view the snapshot table is built from (migrations/views/).
// Both are bound by name here, so no SQL is rewritten by pattern.

const LINK_ARGS =
  'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';

export interface Relation {
  /** The evaluation snapshot table. */
  snapshot: string;
  /** The live relation it equals, or why there is none. */
  live: string | { none: string };
}

export const RELATIONS: Readonly<Record<string, Relation>> = {
  accounts: { snapshot: 'pw_eval_accounts', live: 'pw_accounts' },
  person_accounts: { snapshot: 'pw_eval_person_accounts', live: `pw_person_accounts(${LINK_ARGS})` },
  people: { snapshot: 'pw_eval_people', live: `pw_people(${LINK_ARGS})` },
  credentials: { snapshot: 'pw_eval_credentials', live: 'pw_credentials' },
  credential_gaps: { snapshot: 'pw_eval_credential_gaps', live: { none: 'a per-evaluation snapshot table with no live view' } },
  // The person scope of the detector's last incremental evaluation: empty for a report, which binds
  // {scoped:UInt8} = 0 (detectionParams), so a person-scoped detection runs over everyone.
  scope: { snapshot: 'pw_eval_scope', live: "(SELECT '' AS person LIMIT 0)" },
  // The credentials the detector's last incremental snapshot refresh recomputed (credential-scoped
  // detections); empty for a report, which binds {scoped:UInt8} = 0.
  touched_credentials: {
    snapshot: "(SELECT source, key FROM pw_snapshot_touched WHERE kind = 'credential')",
    live: "(SELECT '' AS source, '' AS key LIMIT 0)",
  },
};

const PLACEHOLDER_RE = /\{\{([a-z_]+)\}\}/g;

/** The placeholders a detection's SQL uses that name no relation. */
export function unknownRelations(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER_RE)].map((m) => m[1]!))].filter((name) => !(name in RELATIONS));
}

export class RelationError extends Error {
  constructor(
    readonly detection: string,
    readonly problems: readonly string[],
    target: 'snapshot' | 'live',
  ) {
    super(`${detection} cannot read ${target === 'live' ? 'live data' : 'the snapshot'}: ${problems.join('; ')}`);
    this.name = 'RelationError';
  }
}

/** A detection's SQL with each placeholder bound to its snapshot table (detector) or live view (report). */
export function bindRelations(detectionId: string, template: string, target: 'snapshot' | 'live'): string {
  const problems: string[] = [];
  const sql = template.replace(PLACEHOLDER_RE, (text, name: string) => {
    const relation = RELATIONS[name];
    if (!relation) {
      problems.push(`{{${name}}} names no read model (known: ${Object.keys(RELATIONS).join(', ')})`);
      return text;
    }
    const bound = target === 'snapshot' ? relation.snapshot : relation.live;
    if (typeof bound === 'string') return bound;
    problems.push(`{{${name}}} (${relation.snapshot}) is ${bound.none}`);
    return text;
  });
  if (problems.length) {
    throw new RelationError(detectionId, problems, target);
  }
  return sql;
}
