// Login JWTs (HS256, JWT_SECRET). Each carries the user's credentials version (the instant of their last password
// change, in milliseconds): a password change makes every JWT issued before it fail verification.
import { SignJWT, errors, jwtVerify } from 'jose';

const ISSUER = 'sounio-registry';

export interface LoginClaims {
  userId: string;
  credentialsVersion: number;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function issueLoginJwt(secret: string, userId: string, credentialsVersion: number, ttlSeconds: number): Promise<string> {
  return new SignJWT({ cv: credentialsVersion })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

export type JwtCheck = { ok: true; claims: LoginClaims } | { ok: false; reason: 'expired' | 'invalid' };

export async function verifyLoginJwt(secret: string, token: string): Promise<JwtCheck> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || typeof payload['cv'] !== 'number') return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { userId: payload.sub, credentialsVersion: payload['cv'] } };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}

export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) && token.length < 4096;
}
