// The replay job's local admin endpoint (mounted by the all-in-one process, which owns the embedded
// ClickHouse, the normalizer and the sink): POST /admin/replay with the local API token.
//
// Request: {"filter": ReplayFilter, "spec": string, "dry_run"?: bool, "batch_size"?: int, "max_batch_bytes"?: int}
// Response: 200 application/x-ndjson, one JSON object per line while it runs:
//   {"progress": ReplayProgress} ... then {"result": ReplaySummary | ReplayDryRun} or {"error": {"message"}};
//   {"heartbeat": true} every 15 s in between.
// 401 without the token, 400 for a bad request, 409 while another replay runs in this process.
// When the client goes away (Ctrl-C on the CLI) the replay stops at the next wave boundary; its
// checkpoint lets the same command resume.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, BodyTooLargeError } from '../../core/http/body.ts';
import { sendError } from '../../core/http/respond.ts';
import { ReplayFilterSchema } from './filter.ts';
import { runReplay, type ReplayDeps } from './runner.ts';

export const REPLAY_PATH = '/admin/replay';

export const ReplayHttpRequestSchema = z
  .object({
    filter: ReplayFilterSchema,
    spec: z.string().max(4096),
    dry_run: z.boolean().default(false),
    batch_size: z.number().int().min(1).max(10_000).optional(),
    max_batch_bytes: z
      .number()
      .int()
      .min(1024)
      .max(512 * 1024 * 1024)
      .optional(),
  })
  .strict();
export type ReplayHttpRequest = z.infer<typeof ReplayHttpRequestSchema>;

export interface ReplayEndpoint {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stops a running replay at its next wave boundary and waits for it. */
  stop(): Promise<void>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createReplayEndpoint(deps: ReplayDeps & { token: string }): ReplayEndpoint {
  const expected = digest(deps.token);
  let running: { abort: AbortController; done: Promise<unknown> } | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!timingSafeEqual(digest(given), expected)) {
      req.resume();
      return sendError(res, 401, 'unauthorized', 'missing or wrong bearer token (the local API token of this process)', {
        'www-authenticate': 'Bearer',
      });
    }
    if (req.method !== 'POST') {
      req.resume();
      return sendError(res, 405, 'method_not_allowed', `${REPLAY_PATH} accepts POST`, { allow: 'POST' });
    }
    let body: ReplayHttpRequest;
    try {
      const parsed = ReplayHttpRequestSchema.safeParse(JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')));
      if (!parsed.success)
        return sendError(
          res,
          400,
          'bad_request',
          parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      body = parsed.data;
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendError(res, 413, 'too_large', err.message);
      return sendError(res, 400, 'bad_request', `body: expected JSON (${(err as Error).message})`);
    }
    if (running)
      return sendError(
        res,
        409,
        'replay_running',
        'a replay is already running in this process; wait for it or stop it (Ctrl-C on its CLI)',
      );

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded)
        abort.abort(new Error('the client disconnected; the replay stopped at a wave boundary (run the same command again to resume)'));
    });
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
    res.flushHeaders();
    const line = (v: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(v) + '\n');
    };
    // A wave can wait minutes for a busy normalizer: a line every 15 s keeps the client's body
    // timeout (undici: 300 s without data) from cutting the stream.
    const keepalive = setInterval(() => line({ heartbeat: true }), 15_000);
    const done = runReplay(
      deps,
      {
        filter: body.filter,
        spec: body.spec,
        dryRun: body.dry_run,
        batchSize: body.batch_size,
        maxBatchBytes: body.max_batch_bytes,
      },
      { signal: abort.signal, onProgress: (p) => line({ progress: p }) },
    )
      .then((result) => line({ result }))
      .catch((err: unknown) => {
        deps.log.warn({ err }, 'replay failed');
        line({ error: { message: err instanceof Error ? err.message : String(err) } });
      })
      .finally(() => {
        clearInterval(keepalive);
        running = null;
        res.end();
      });
    running = { abort, done };
    await done;
  };

  return {
    handle(req, res) {
      handle(req, res).catch((err: unknown) => {
        deps.log.error({ err }, 'replay endpoint failed');
        if (!res.headersSent) sendError(res, 500, 'internal', 'replay endpoint failed');
        else res.end();
      });
    },
    async stop() {
      const r = running;
      if (!r) return;
      r.abort.abort(new Error('planewatch is shutting down; run the same replay again to resume'));
      await r.done;
    },
  };
}
