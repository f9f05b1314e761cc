// The API token format and the rules for scopes and package patterns.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { patternsAllow, patternsWithin, scopesWithin } from '../../src/core/scopes.js';
import { findTokens, formatToken, isWellFormedToken, TOKEN_LENGTH } from '../../src/core/token-format.js';

function token(): string {
  for (;;) {
    const made = formatToken(randomBytes(64));
    if (made !== null) return made;
  }
}

describe('token format', () => {
  it('is sounio_ + 32 base62 characters + a 6-character base62 checksum', () => {
    const value = token();
    expect(value).toMatch(/^sounio_[0-9A-Za-z]{38}$/);
    expect(value.length).toBe(TOKEN_LENGTH);
    expect(isWellFormedToken(value)).toBe(true);
  });

  it('is deterministic for given randomness and uses all of the alphabet', () => {
    const bytes = randomBytes(64);
    expect(formatToken(bytes)).toBe(formatToken(bytes));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const char of token().slice(7, 39)) seen.add(char);
    expect(seen.size).toBe(62);
  });

  it('asks for more randomness when the bytes run out', () => {
    expect(formatToken(new Uint8Array(64).fill(250))).toBeNull();
  });

  it('refuses any single-character typo through the checksum', () => {
    const value = token();
    for (let i = 7; i < value.length; i++) {
      const replacement = value[i] === 'a' ? 'b' : 'a';
      expect(isWellFormedToken(value.slice(0, i) + replacement + value.slice(i + 1)), `typo at ${i}`).toBe(false);
    }
    expect(isWellFormedToken(value.slice(0, -1))).toBe(false);
    expect(isWellFormedToken(value + 'x')).toBe(false);
    expect(isWellFormedToken(value.replace('sounio_', 'sounia_'))).toBe(false);
  });

  it('finds checksum-valid tokens in text, and only those', () => {
    const good = token();
    const bad = good.slice(0, -1) + (good.endsWith('a') ? 'b' : 'a');
    expect(findTokens(`TOKEN=${good}\nother=${bad}\n`)).toEqual([good]);
  });
});

describe('scopes and package patterns', () => {
  it('matches exact names and prefix patterns', () => {
    expect(patternsAllow(null, 'anything')).toBe(true);
    expect(patternsAllow(['serde', 'tokio-*'], 'serde')).toBe(true);
    expect(patternsAllow(['serde', 'tokio-*'], 'serde_json')).toBe(false);
    expect(patternsAllow(['serde', 'tokio-*'], 'tokio-util')).toBe(true);
    expect(patternsAllow(['*'], 'x')).toBe(true);
  });

  it('never lets a narrower credential hand out more', () => {
    expect(scopesWithin(['read'], ['read', 'publish'])).toBe(true);
    expect(scopesWithin(['read', 'publish'], ['read'])).toBe(false);
    expect(patternsWithin(['foo'], null)).toBe(true);
    expect(patternsWithin(null, ['foo*'])).toBe(false);
    expect(patternsWithin(['foobar', 'foo-*'], ['foo*'])).toBe(true);
    expect(patternsWithin(['fo*'], ['foo*'])).toBe(false);
    expect(patternsWithin(['bar'], ['foo*'])).toBe(false);
    expect(patternsWithin(['foo'], ['foo'])).toBe(true);
    expect(patternsWithin(['foo*'], ['foo'])).toBe(false);
  });
});
