// Reads a request body into one Buffer, refusing more than `limit` bytes (→ 413) without buffering them.
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/**
 * The client hung up before the body was complete. Not a fault of ours: callers count it as a
 * client abort and log it at info level, so an alert on internal errors does not fire for it.
 */
export class ClientAbortedError extends Error {
  constructor() {
    super('the client closed the connection before the request body was complete');
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyTooLargeError(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    const aborted = () => {
      if (failed || req.complete) return false;
      failed = true;
      reject(new ClientAbortedError());
      return true;
    };
    // Node reports a hang-up mid-body as an 'error' (ECONNRESET "aborted") followed by 'close'.
    req.on('error', (err) => {
      if (!aborted() && !failed) reject(err);
    });
    req.on('close', aborted);
  });
}

/**
 * Deepest JSON nesting a pushed body may have. Vendor payloads nest a dozen levels at most; a body
 * nested tens of thousands of levels deep (cheap to send: 1 MB of "[") parses fine with
 * JSON.parse but overflows the stack of every recursive walk after it (secret redaction, mapping,
 * JSON.stringify of a dead letter) — the fuzz suite found it answering 500 (test/fuzz/). The
 * collector and the SCIM service refuse such bodies with 400 before anything walks them.
 */
export const MAX_JSON_DEPTH = 128;

/** True when the JSON (or JSON-lines) text nests arrays/objects deeper than `max`. O(n), no parsing. */
export function jsonDepthExceeds(body: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    }
  }
  return false;
}
