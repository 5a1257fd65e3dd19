// How log records look: JSON unless a person is reading a terminal (core/log-format.ts), and the
// pretty line (core/log-pretty.ts). The last test runs a real logger in a child process, through
// a pipe (not a terminal), with and without PLANEWATCH_LOG_FORMAT.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { selectLogFormat } from '../../../core/log-format.ts';
import { prettyLine } from '../../../core/log-pretty.ts';
import { loadEnv } from '../../../core/config/env.ts';
import { ConfigError } from '../../../core/config/errors.ts';
import { REPO_ROOT } from '../../../core/repo-root.ts';

describe('selectLogFormat', () => {
  it('is pretty on a terminal and JSON otherwise when PLANEWATCH_LOG_FORMAT is unset or auto', () => {
    expect(selectLogFormat({}, true)).toBe('pretty');
    expect(selectLogFormat({}, false)).toBe('json');
    expect(selectLogFormat({ PLANEWATCH_LOG_FORMAT: 'auto' }, true)).toBe('pretty');
    expect(selectLogFormat({ PLANEWATCH_LOG_FORMAT: 'auto' }, false)).toBe('json');
  });

  it('follows PLANEWATCH_LOG_FORMAT=json or pretty whatever stdout is', () => {
    expect(selectLogFormat({ PLANEWATCH_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(selectLogFormat({ PLANEWATCH_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(selectLogFormat({ PLANEWATCH_LOG_FORMAT: ' JSON ' }, true)).toBe('json');
  });

  it('treats an unknown value as unset, and loadEnv rejects it naming the variable', () => {
    expect(selectLogFormat({ PLANEWATCH_LOG_FORMAT: 'xml' }, false)).toBe('json');
    expect(() => loadEnv({ PLANEWATCH_LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => loadEnv({ PLANEWATCH_LOG_FORMAT: 'xml' })).toThrow(/PLANEWATCH_LOG_FORMAT/);
    expect(loadEnv({}).PLANEWATCH_LOG_FORMAT).toBe('auto');
  });
});

describe('prettyLine', () => {
  it('puts time, level, name and message first, then the other fields as key=value', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 30,
        time: '2026-12-06T02:11:36.440Z',
        pid: 1,
        name: 'planewatch-all-in-one',
        service: 'sink',
        n: 3,
        note: 'two words',
        msg: 'sink consuming',
      }),
    );
    expect(line).toBe('02:11:36.440 INFO  planewatch-all-in-one: sink consuming service=sink n=3 note="two words"\n');
  });

  it('prints an error stack on indented lines of its own', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: '2026-12-06T02:11:36.440Z',
        msg: 'stop failed',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.ts:1:1)' },
      }),
    );
    expect(line).toBe('02:11:36.440 ERROR stop failed\n    Error: boom\n        at x (y.ts:1:1)\n');
  });

  it('colours the level only when asked', () => {
    expect(prettyLine('{"level":40,"msg":"m"}', true)).toBe('\x1b[33mWARN \x1b[0m m\n');
    expect(prettyLine('{"level":40,"msg":"m"}', false)).toBe('WARN  m\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(prettyLine('not json')).toBe('not json\n');
  });
});

describe('createLogger in a process writing to a pipe', () => {
  const run = async (env: Record<string, string>) => {
    const script =
      "import('./core/log.ts').then(({ createLogger }) => createLogger({ name: 't', level: 'info' }).info({ token: 's3cret', n: 1 }, 'hello'))";
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return stdout;
  };

  it('writes JSON by default and pretty lines with PLANEWATCH_LOG_FORMAT=pretty, redacted either way', async () => {
    const json = JSON.parse(await run({})) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 30, name: 't', msg: 'hello', n: 1, token: '[redacted]' });
    expect(await run({ PLANEWATCH_LOG_FORMAT: 'pretty' })).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}t: hello token=\[redacted\] n=1\n$/);
    expect(JSON.parse(await run({ PLANEWATCH_LOG_FORMAT: 'json' }))).toMatchObject({ msg: 'hello' });
  });
});
