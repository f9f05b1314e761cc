// What every command starts from: which registry (--registry, else SOUNIO_REGISTRY, else the credentials'
// default_registry, else http://localhost:3000), which token for it (SOUNIO_TOKEN, else the saved one), the
// credentials file, and the terminal.
import type { Command } from 'commander';
import { credentialsPath, readCredentials, writeCredentials, type Credentials } from './credentials.js';
import { RegistryClient } from './client.js';
import { usageError } from './errors.js';
import { processTerminal, type Terminal } from './terminal.js';

export const DEFAULT_REGISTRY = 'http://localhost:3000';

/** The registry URL as the credentials file keys it: http(s), no trailing slash, no query or fragment. */
export function normalizeRegistry(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`"${text}" is not a registry URL`, 'Give the registry as http(s)://host[:port], e.g. --registry http://localhost:3000.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`the registry URL must start with http:// or https:// (got "${text}")`);
  if (url.username !== '' || url.password !== '') throw usageError('the registry URL must not carry a user name or password; use `sounio login`');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export class Session {
  readonly terminal: Terminal;
  readonly credentialsFile: string;
  private loaded: Credentials | undefined;

  constructor(
    private readonly command: Command,
    readonly env: NodeJS.ProcessEnv = process.env,
    terminal: Terminal = processTerminal(),
  ) {
    this.terminal = terminal;
    this.credentialsFile = credentialsPath(env);
  }

  get credentials(): Credentials {
    this.loaded ??= readCredentials(this.credentialsFile);
    return this.loaded;
  }

  saveCredentials(credentials: Credentials): void {
    writeCredentials(this.credentialsFile, credentials);
    this.loaded = credentials;
  }

  get registry(): string {
    const flag = (this.command.optsWithGlobals() as { registry?: string }).registry;
    const chosen = flag ?? (this.env['SOUNIO_REGISTRY'] || undefined) ?? this.credentials.default_registry ?? DEFAULT_REGISTRY;
    return normalizeRegistry(chosen);
  }

  /** The token to send: SOUNIO_TOKEN (for CI), else the one saved for this registry. */
  get token(): string | undefined {
    const fromEnv = this.env['SOUNIO_TOKEN'];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv.trim();
    return this.credentials.registries[this.registry]?.token;
  }

  client(token: string | undefined = this.token): RegistryClient {
    return new RegistryClient(this.registry, token);
  }

  get json(): boolean {
    return (this.command.optsWithGlobals() as { json?: boolean }).json === true;
  }

  /** Prints a value as JSON (for --json). */
  printJson(value: unknown): void {
    this.terminal.out(JSON.stringify(value, null, 2));
  }
}
