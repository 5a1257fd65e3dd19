// The base URL of SCIM `meta.location` and `Location`. X-Forwarded-Proto / X-Forwarded-Host are
// honoured only when the TCP peer is a configured trusted proxy (PLANEWATCH_TRUSTED_PROXIES,
// default none): from anyone else they are just client-chosen text, and a client could make the
// provider hand out locations on its host or with a `javascript:` scheme. Even from a trusted
// proxy, only `http` / `https` and a syntactically valid host[:port] are taken; the Host header is
// held to the same host syntax.
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export type TrustedProxies = BlockList;

/** A BlockList of the given IP addresses and CIDR ranges (validated by core/config/env.ts). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const raw of entries) {
    const [addr, bits] = raw.trim().split('/', 2) as [string, string | undefined];
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::(?:[0-9]{1,5}))?$`, 'i');

export function isValidHost(h: string): boolean {
  if (h.length > 255 || !HOST.test(h)) return false;
  const port = /:(\d+)$/.exec(h.startsWith('[') ? h.slice(h.indexOf(']')) : h)?.[1];
  return port === undefined || Number(port) <= 65535;
}

function first(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  const t = s?.split(',')[0]?.trim();
  return t ? t : null;
}

function peerOf(req: IncomingMessage): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const raw = req.socket.remoteAddress;
  if (!raw) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address: raw, family: isIP(raw) === 6 ? 'ipv6' : 'ipv4' };
}

/** scheme://host of the request as the client addressed it. */
export function origin(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = peerOf(req);
  const fromProxy = peer !== null && trusted.check(peer.address, peer.family);
  const fwdProto = fromProxy ? first(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const fwdHost = fromProxy ? first(req.headers['x-forwarded-host']) : null;
  const own = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http';
  const proto = fwdProto === 'http' || fwdProto === 'https' ? fwdProto : own;
  const hostHeader = first(req.headers.host);
  const host = fwdHost && isValidHost(fwdHost) ? fwdHost : hostHeader && isValidHost(hostHeader) ? hostHeader : 'localhost';
  return `${proto}://${host}`;
}
