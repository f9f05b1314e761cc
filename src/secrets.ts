// Outside production, JWT_SECRET and SESSION_SECRET may be left unset: random ones are generated once and kept in
// DATA_DIR/secrets.json (mode 0600), so sessions and tokens survive a restart of a newcomer's registry.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

export interface Secrets {
  jwtSecret: string;
  sessionSecret: string;
}

export function resolveSecrets(config: Config): Secrets {
  if (config.jwtSecret !== undefined && config.sessionSecret !== undefined) {
    return { jwtSecret: config.jwtSecret, sessionSecret: config.sessionSecret };
  }
  const stored = readOrCreateStoredSecrets(config.dataDir);
  return {
    jwtSecret: config.jwtSecret ?? stored.jwtSecret,
    sessionSecret: config.sessionSecret ?? stored.sessionSecret,
  };
}

function readOrCreateStoredSecrets(dataDir: string): Secrets {
  const file = join(dataDir, 'secrets.json');
  mkdirSync(dataDir, { recursive: true });
  const fresh: Secrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    sessionSecret: randomBytes(48).toString('base64url'),
  };
  try {
    // 'wx': of several processes starting together on one DATA_DIR, exactly one writes; the others read its file.
    writeFileSync(file, JSON.stringify(fresh, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
      if (typeof parsed.jwtSecret === 'string' && typeof parsed.sessionSecret === 'string') {
        return { jwtSecret: parsed.jwtSecret, sessionSecret: parsed.sessionSecret };
      }
      throw new Error(`${file} does not hold jwtSecret and sessionSecret; delete it to generate new secrets`);
    } catch (error) {
      // The writer may not have finished its write yet: give it a moment.
      if (error instanceof SyntaxError && attempt < 20) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      throw error;
    }
  }
}
