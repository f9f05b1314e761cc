// The API token format: `sounio_` + 32 random base62 characters + a 6-character base62 CRC32 of those 32. The
// prefix makes our tokens recognisable to secret scanners (ours included); the checksum lets a mistyped or
// made-up token be refused without a database lookup.
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIX = 'sounio_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH;
const SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(body) >>> 0, CHECKSUM_LENGTH); // 62^6 > 2^32: every CRC fits
}

/**
 * Builds a token from random bytes (the caller supplies them: this module does no I/O). Bytes of 248 and above are
 * skipped so every character is equally likely; 64 bytes are nearly always enough, and null asks for more.
 */
export function formatToken(random: Uint8Array): string | null {
  let body = '';
  for (const byte of random) {
    if (byte >= 248) continue;
    body += ALPHABET[byte % 62];
    if (body.length === BODY_LENGTH) return TOKEN_PREFIX + body + checksum(body);
  }
  return null;
}

/** True when `token` has our shape and its checksum holds. */
export function isWellFormedToken(token: string): boolean {
  if (!SHAPE.test(token)) return false;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + BODY_LENGTH);
  return token.slice(-CHECKSUM_LENGTH) === checksum(body);
}

/** Finds checksum-valid tokens of ours inside a text (the secret scanner's rule for our own tokens). */
export function findTokens(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(new RegExp(`${TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}(?![0-9A-Za-z])`, 'g'))) {
    if (isWellFormedToken(match[0])) found.push(match[0]);
  }
  return found;
}
