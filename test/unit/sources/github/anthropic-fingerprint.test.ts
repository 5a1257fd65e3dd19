// An Anthropic key found by GitHub secret scanning keeps what Anthropic itself displays of it: its
// `partial_key_hint`, documented with the example "sk-ant-api03-R2D...igAA" (the first 16
// characters, "...", the last 4). The alert's fingerprint must have that exact shape so the two
// compare (migrations/0015 pw_exposures); the secret itself is never kept.
import { describe, expect, it } from 'vitest';
import { fingerprintSecret, storedAlertOf } from '../../../../sources/github/fingerprint.ts';
import { isDisplayedKeyHint } from '../../../../source-kit/redact.ts';

// A planted fake, built at run time so no secret scanner takes it for a real key.
const SECRET = ['sk', 'ant', 'api03', `R2D${'q'.repeat(80)}`].join('-') + '-igAA';

describe('Anthropic fingerprint of a secret scanning alert', () => {
  it('keeps the 16 + 4 characters Anthropic displays, so "<key_head>...<key_tail>" is the key\'s partial_key_hint', () => {
    const f = fingerprintSecret('anthropic_api_key', SECRET);
    expect(f).toEqual({ vendor: 'anthropic', key_head: 'sk-ant-api03-R2D', key_tail: 'igAA' });
    expect(`${f.key_head}...${f.key_tail}`).toBe('sk-ant-api03-R2D...igAA');
    expect(isDisplayedKeyHint(`${f.key_head}...${f.key_tail}`)).toBe(true);
  });

  it('the stored alert has no secret; a whole key is never a displayed hint', () => {
    const stored = storedAlertOf({ number: 7, secret_type: 'anthropic_api_key', secret: SECRET } as Parameters<typeof storedAlertOf>[0]);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(stored.planewatch_fingerprint).toEqual({ vendor: 'anthropic', key_head: 'sk-ant-api03-R2D', key_tail: 'igAA' });
    expect(isDisplayedKeyHint(SECRET)).toBe(false);
  });
});
