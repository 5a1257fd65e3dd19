// The API keys' partial_key_hint never leaves the inventory walk: removed from JSON pages (compact
// re-serialization, deterministic), blanked in malformed text; pages without one keep their bytes.
import { describe, expect, it } from 'vitest';
import { redactKeyHints } from '../../../../sources/anthropic/redact.ts';

describe('redactKeyHints', () => {
  it('removes every partial_key_hint member of a JSON page and keeps everything else in order', () => {
    const page = '{\n  "data": [\n    {"type": "api_key", "id": "apikey_1", "partial_key_hint": "sk-ant-api03-R2D...igAA", "status": "active"},\n    {"type": "api_key", "id": "apikey_2", "partial_key_hint": null, "nested": {"partial_key_hint": "x"}}\n  ],\n  "has_more": false\n}';
    const out = redactKeyHints(Buffer.from(page));
    expect(out.toString()).toBe('{"data":[{"type":"api_key","id":"apikey_1","status":"active"},{"type":"api_key","id":"apikey_2","nested":{}}],"has_more":false}');
    expect(redactKeyHints(Buffer.from(page)).equals(out)).toBe(true);
  });

  it('returns the original bytes when there is nothing to remove', () => {
    const raw = Buffer.from('{ "data": [ {"type": "user", "id": "user_1"} ], "has_more": false }');
    expect(redactKeyHints(raw)).toBe(raw);
  });

  it('blanks hints in a body that is not JSON (a malformed page kept as a dead letter)', () => {
    expect(redactKeyHints(Buffer.from('{"data":[{"id":"apikey_1","partial_key_hint": "sk-ant-api03-AAA...BBB","status":')).toString())
      .toBe('{"data":[{"id":"apikey_1","partial_key_hint": "[redacted]","status":');
    expect(redactKeyHints(Buffer.from('{"data":[{"id":"apikey_1","partial_key_hint":"sk-ant-api03-AA')).toString())
      .toBe('{"data":[{"id":"apikey_1","partial_key_hint":"[redacted]');
  });
});
