// npm's `prepare` hook (runs on `npm install` and `npm ci` in this checkout): builds dist/ (`npm run
// build`), which `npm start`, the CLI and the service entry points run. Skipped, with a note, where
// it cannot work: an install without dev dependencies or before the sources are there (the Docker
// image's `npm ci --omit=dev` runs before `COPY . .`); that image builds dist/ in a stage of its own.
// Plain JavaScript: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

let tsc = null;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // dev dependencies not installed
}
if (tsc === null || !existsSync('tsconfig.build.json')) {
  process.stdout.write('planewatch: not building dist/ (no TypeScript compiler or no sources here); bin/planewatch.js falls back to tsx\n');
  process.exit(0);
}
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(build.status ?? 1);
