// Link header (RFC 8288) parsing, for APIs that paginate with `Link: <…>; rel="next"` (Okta, GitHub).

export interface LinkValue {
  url: string;
  /** Lower-cased relation types. */
  rels: string[];
}

/**
 * Parses a Link header. Several Link headers arrive joined by ", " (fetch's Headers.get), so the
 * split is on `<…>` targets, not on commas.
 */
export function parseLinkHeader(value: string | null | undefined): LinkValue[] {
  if (!value) return [];
  const out: LinkValue[] = [];
  const re = /<([^>]*)>([^<]*)/g;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const rels: string[] = [];
    for (const param of m[2]!.split(';')) {
      const eq = param.indexOf('=');
      if (eq < 0) continue;
      if (param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
      const v = param
        .slice(eq + 1)
        .trim()
        .replace(/,\s*$/, '')
        .replace(/^"(.*)"$/, '$1');
      rels.push(
        ...v
          .toLowerCase()
          .split(/\s+/)
          .filter((r) => r.length > 0),
      );
    }
    out.push({ url: m[1]!.trim(), rels });
  }
  return out;
}

/** The `rel="next"` target of a Link header, as written; null when there is none. */
export function nextLinkOf(linkHeader: string | null | undefined): string | null {
  return parseLinkHeader(linkHeader).find((l) => l.rels.includes('next'))?.url ?? null;
}
