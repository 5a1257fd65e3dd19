// Channels at run time: the configured channel plus the URL / key / secret read from the
// environment variables it names. The values live only here; errors name the variable, never the value.
import type { Logger } from 'pino';
import type { AlertChannel, AlertsSettings } from '../../core/config/alerts.ts';
import { ConfigError } from '../../core/config/errors.ts';
import type { Notification } from './message.ts';
import { pagerDutyBody, slackBody, summaryOf, webhookBody } from './payloads.ts';
import { signWebhook } from './signature.ts';
import type { AttemptOutcome } from './routing.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface ResolvedChannel {
  name: string;
  type: AlertChannel['type'];
  /** Sends one attempt; never throws (network errors and timeouts are outcomes). */
  send(n: Notification, ctx: SendContext): Promise<AttemptOutcome>;
}

export interface SendContext {
  now: () => number;
  timeoutMs: number;
  fetch: typeof fetch;
  log: Logger;
  findingUrl?: string;
  attempt: number;
}

async function post(ctx: SendContext, url: string, body: string, headers: Record<string, string>): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  try {
    const res = await ctx.fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'planewatch-alerter', ...headers },
      signal: controller.signal,
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', status: res.status };
    return { kind: 'http', status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    // The URL may carry a token (Slack): report only the error's class / code.
    const e = err as Error & { cause?: { code?: string } };
    return {
      kind: 'network',
      error: controller.signal.aborted ? `timeout after ${ctx.timeoutMs}ms` : `${e.name}${e.cause?.code ? ` ${e.cause.code}` : ''}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

export function resolveChannels(settings: AlertsSettings, env: NodeJS.ProcessEnv): Map<string, ResolvedChannel> {
  const problems: string[] = [];
  const out = new Map<string, ResolvedChannel>();
  const read = (i: number, key: string, name: string | undefined): string => {
    if (!name) return '';
    const v = env[name];
    if (!v) problems.push(`alerts.channels[${i}].${key}: environment variable ${name} is not set`);
    return v ?? '';
  };
  settings.channels.forEach((c, i) => {
    switch (c.type) {
      case 'webhook': {
        const url = read(i, 'url_env', c.url_env);
        const secret = read(i, 'secret_env', c.secret_env);
        out.set(c.name, {
          name: c.name,
          type: c.type,
          send: (n, ctx) => {
            const body = JSON.stringify(webhookBody(n, new Date(ctx.now()).toISOString(), ctx.findingUrl));
            return post(ctx, url, body, {
              'planewatch-signature': signWebhook(secret, body, Math.floor(ctx.now() / 1000)),
              'planewatch-delivery-id': n.key,
              'planewatch-event': n.kind,
            });
          },
        });
        break;
      }
      case 'slack': {
        const url = read(i, 'url_env', c.url_env);
        out.set(c.name, { name: c.name, type: c.type, send: (n, ctx) => post(ctx, url, JSON.stringify(slackBody(n, ctx.findingUrl)), {}) });
        break;
      }
      case 'pagerduty': {
        const key = read(i, 'routing_key_env', c.routing_key_env);
        const url = c.url_env ? read(i, 'url_env', c.url_env) : PAGERDUTY_EVENTS_URL;
        out.set(c.name, {
          name: c.name,
          type: c.type,
          send: (n, ctx) => post(ctx, url, JSON.stringify(pagerDutyBody(n, key, ctx.findingUrl)), {}),
        });
        break;
      }
      case 'log':
        out.set(c.name, {
          name: c.name,
          type: c.type,
          send: async (n, ctx) => {
            ctx.log.warn(
              {
                alert: {
                  kind: n.kind,
                  key: n.key,
                  detection: n.finding.detection,
                  fingerprint: n.finding.fingerprint,
                  severity: n.finding.severity,
                  plane: n.finding.plane,
                  subject: n.finding.subject,
                },
              },
              summaryOf(n),
            );
            return { kind: 'ok', status: 0 };
          },
        });
        break;
    }
  });
  if (problems.length) throw new ConfigError(problems, 'alert channels');
  return out;
}
