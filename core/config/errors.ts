import type { z } from 'zod';

/** A configuration problem: says which setting is wrong and how to fix it. */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly origin: string,
  ) {
    super(`invalid configuration (${origin}):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

export function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') msg = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or correct them`;
    return `${formatPath(issue.path)}: ${msg}`;
  });
}
