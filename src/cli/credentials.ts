// ~/.sounio/credentials.toml (or $SOUNIO_HOME/credentials.toml): the tokens `sounio login` saved, one table per
// registry, laid out as upstream's client does:
//
//   default_registry = "https://registry.sounio-lang.org"
//   [registries."https://registry.sounio-lang.org"]
//   token = "sounio_..."
//   username = "alice"
//   created_at = "2026-11-25T10:00:00.000Z"
//   expires_at = "2027-11-25T10:00:00.000Z"   # left out when the token never expires
//
// The file holds secrets: it is written whole to a temporary file created with mode 0600 and renamed over the old
// one, so a reader never sees half a file and the token is never readable by others, not even for a moment.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { CliError } from './errors.js';

export interface RegistryCredentials {
  token: string;
  username: string;
  created_at: string;
  expires_at?: string;
}

export interface Credentials {
  default_registry?: string;
  registries: Record<string, RegistryCredentials>;
}

/** $SOUNIO_HOME, else ~/.sounio. */
export function sounioHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['SOUNIO_HOME'];
  return home !== undefined && home !== '' ? home : join(homedir(), '.sounio');
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(sounioHome(env), 'credentials.toml');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The saved credentials; empty when there is no file. A file that is not valid TOML is an error naming it. */
export function readCredentials(path: string): Credentials {
  if (!existsSync(path)) return { registries: {} };
  let data: Record<string, unknown>;
  try {
    data = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`could not read ${path}: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'Fix or delete the file, then run `sounio login` again.',
    });
  }
  const registries: Record<string, RegistryCredentials> = {};
  const tables = data['registries'];
  if (tables !== null && typeof tables === 'object') {
    for (const [url, table] of Object.entries(tables as Record<string, unknown>)) {
      if (table === null || typeof table !== 'object') continue;
      const entry = table as Record<string, unknown>;
      const token = text(entry['token']);
      if (token === undefined) continue;
      const expires = text(entry['expires_at']);
      registries[url] = {
        token,
        username: text(entry['username']) ?? '',
        created_at: text(entry['created_at']) ?? '',
        ...(expires !== undefined && { expires_at: expires }),
      };
    }
  }
  const defaultRegistry = text(data['default_registry']);
  return { ...(defaultRegistry !== undefined && { default_registry: defaultRegistry }), registries };
}

/** Writes the credentials atomically with mode 0600 (the directory 0700). An empty set removes the file. */
export function writeCredentials(path: string, credentials: Credentials): void {
  if (Object.keys(credentials.registries).length === 0 && credentials.default_registry === undefined) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const document: Record<string, unknown> = {};
  if (credentials.default_registry !== undefined) document['default_registry'] = credentials.default_registry;
  document['registries'] = credentials.registries;
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, stringify(document) + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(temporary, 0o600); // in case the umask took bits away from, or an old file lent bits to, the new one
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new CliError(`could not write ${path}: ${(error as Error).message}`);
  }
}
