// Section `detections`: bench/detections.ts (owned by the detections work) run as a child; the
// last line of JSON on its stdout is its result, and its rows become this section's rows.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { track } from '../lib/proc.ts';
import type { Row } from '../lib/report.ts';
import type { BenchSection, SectionContext } from './section.ts';

function lastJsonLine(out: string): unknown {
  const lastJson = out
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  try {
    return lastJson ? JSON.parse(lastJson) : null;
  } catch {
    return null;
  }
}

function addRows(ctx: SectionContext, code: number | null, out: string, parsed: unknown): unknown {
  if (code !== 0 || parsed === null) {
    ctx.report.row({
      section: 'detections',
      what: 'detection evaluation (bench/detections.ts)',
      value: null,
      unit: 's',
      met: null,
      note: `bench/detections.ts exited ${code}${parsed === null ? ' without a JSON result line' : ''}`,
    });
    return { exitCode: code, output: out.slice(-4000) };
  }
  const rowsOut = (parsed as { rows?: Row[] }).rows;
  if (Array.isArray(rowsOut)) for (const r of rowsOut) ctx.report.row({ ...r, section: 'detections' });
  else
    ctx.report.row({
      section: 'detections',
      what: 'detection evaluation (bench/detections.ts)',
      value: null,
      unit: '',
      note: JSON.stringify(parsed).slice(0, 200),
    });
  return parsed;
}

/** Runs the script, echoing its stdout; resolves with its result (or its exit code and output tail). */
function runDetectionsBench(ctx: SectionContext, script: string): Promise<unknown> {
  return new Promise((resolve) => {
    const child = track(
      spawn(process.execPath, ['--import', 'tsx', script, ctx.opts.full ? '--full' : '--quick', '--json'], {
        cwd: REPO_ROOT,
        env: { ...process.env, PLANEWATCH_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      process.stdout.write(c);
    });
    child.on('close', (code) => resolve(addRows(ctx, code, out, lastJsonLine(out))));
  });
}

export const detectionsSection: BenchSection = {
  name: 'detections',
  async run(ctx) {
    const script = path.join(REPO_ROOT, 'bench', 'detections.ts');
    if (existsSync(script)) {
      ctx.say('detections: running bench/detections.ts');
      ctx.report.results.detections = await runDetectionsBench(ctx, script);
      return;
    }
    ctx.report.results.detections = {
      available: false,
      reason: 'bench/detections.ts does not exist yet (detections are being built in another issue)',
    };
    ctx.report.row({
      section: 'detections',
      what: 'detection evaluation over 1 M / 10 M events',
      value: null,
      unit: 's',
      target: '≤ 2 s at 10 M',
      met: null,
      note: 'not measured: bench/detections.ts does not exist yet',
    });
  },
};
