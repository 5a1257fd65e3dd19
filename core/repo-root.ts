// Where the repository's data files live (migrations/, schemas/, detections/, kafka/, the dashboard's
// static files), whether this code runs from the TypeScript sources (tsx, vitest) or compiled by
// `npm run build`: dist/ mirrors the source tree one directory down, and the data files are not
// copied into it, so a compiled module looks two levels up from dist/core/ instead of one.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this module was loaded from dist/ (compiled JavaScript) rather than from its .ts source. */
export const RUNNING_COMPILED = import.meta.url.endsWith('.js');

/** The repository root, with a trailing separator (this file is core/repo-root.ts or dist/core/repo-root.js). */
export const REPO_ROOT = fileURLToPath(new URL(RUNNING_COMPILED ? '../../' : '../', import.meta.url));

/** A path inside the repository, e.g. repoPath('migrations'). */
export function repoPath(...segments: string[]): string {
  return path.join(REPO_ROOT, ...segments);
}
