#!/usr/bin/env node
// The planewatch CLI. It runs the compiled JavaScript in dist/ (built by `npm install` through the
// `prepare` script, by `npm start`, by the test suite's global setup, and by `npm run build`):
// compiling TypeScript on every call made `planewatch --help` take over a second. Without a build
// (a checkout installed with --ignore-scripts) it runs the TypeScript sources through tsx instead:
// slower, but the same CLI.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  process.setSourceMapsEnabled(true); // stack traces name the .ts lines
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
