// Turning zod issues into the error messages planewatch promises: which field, what was expected,
// what arrived (`data.user.id: expected string, received number`). Shared by every vendor module.
import type { z } from 'zod';

/** JSON-ish type name of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length > 0 ? `.${String(key)}` : String(key);
  }
  return out.length > 0 ? out : '(body)';
}

export interface FormatIssuesOptions {
  /** An `invalid_value` issue (enum, literal) as `expected …` without zod's "Invalid option:" lead-in. */
  bareInvalidValue?: boolean;
}

/** Issues joined by '; ', each `path: expected X, received Y`. */
export function formatIssues(error: z.ZodError, prefix = '', options: FormatIssuesOptions = {}): string {
  return error.issues
    .map((issue) => {
      const path = joinPath(prefix, issue.path);
      let what: string;
      if (issue.code === 'invalid_type') {
        what = issue.message.replace(/^Invalid input:\s*/, '').replace(/^expected record\b/, 'expected object');
      } else if (issue.code === 'too_small' && issue.origin === 'string' && Number(issue.minimum) === 1) {
        what = 'expected non-empty string, received empty string';
      } else if (issue.code === 'invalid_value' && options.bareInvalidValue) {
        what = issue.message.replace(/^Invalid (option|input):\s*/, '');
      } else {
        what = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
      }
      return `${path}: ${what}`;
    })
    .join('; ');
}

/**
 * The plainer form the Admin API pollers (OpenAI, Anthropic) use: `a.b.0: <zod message>` per issue,
 * dotted path, `(root)` for the value itself, joined by '; '.
 */
export function formatIssuesDotted(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}
