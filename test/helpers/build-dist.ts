// `npm run build` for the test run (test/global-setup.ts): tests run `node bin/planewatch.js` and
// `npm start` as a user does, and those run dist/; building first means they run these sources,
// not whatever an earlier build left. Incremental: a few seconds when nothing changed (and then
// tsc rewrites no file, so processes already running from dist/ are not disturbed).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../core/repo-root.ts';

export async function buildDist(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? '';
    throw new Error(`npm run build failed:\n${out || (err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
}
