// `sounio token create|list|revoke`: API tokens managed from the terminal with the saved token (which needs the
// scopes the registry asks for these operations).
import type { Command } from 'commander';
import type { ApiToken, ApiTokenCreated } from '../api-types.js';
import { usageError } from '../errors.js';
import { Session } from '../session.js';
import { table } from '../terminal.js';

const SCOPES = ['read', 'publish', 'admin'];
const MAX_DAYS = 3650;
const collect = (value: string, previous: string[] = []) => [...previous, value];

interface CreateOptions {
  scope?: string[];
  package?: string[];
  expires?: string;
}

async function create(session: Session, name: string, options: CreateOptions): Promise<void> {
  const scopes = options.scope ?? ['read', 'publish'];
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope));
  if (unknown.length > 0) throw usageError(`unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}: choose from ${SCOPES.join(', ')}`);
  let expiresAt: string | null = null;
  if (options.expires !== undefined) {
    const days = Number(options.expires);
    if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw usageError(`--expires takes a number of days from 1 to ${MAX_DAYS}`);
    expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
  }
  const response = await session.client().request<ApiTokenCreated>('/auth/tokens', {
    method: 'POST',
    json: { name, scopes: [...new Set(scopes)], expires_at: expiresAt, packages: options.package ?? null },
    auth: 'required',
  });
  const token = response.body;
  if (session.json) {
    session.printJson(token);
    return;
  }
  session.terminal.out(`Created token "${token.name}" (${token.id}): ${token.scopes?.join(', ')}${token.packages ? ` on ${token.packages.join(', ')}` : ''}; ${token.expires_at ? `expires ${token.expires_at}` : 'never expires'}.`);
  session.terminal.out('');
  session.terminal.out(`  ${token.token}`);
  session.terminal.out('');
  session.terminal.out('It is shown only this once: copy it now (e.g. into your CI secrets, or `sounio login --token ...` on another machine).');
}

async function list(session: Session): Promise<void> {
  const response = await session.client().request<ApiToken[]>('/auth/tokens', { auth: 'required' });
  if (session.json) {
    session.printJson(response.body);
    return;
  }
  if (response.body.length === 0) {
    session.terminal.out('No API tokens.');
    return;
  }
  const rows = [
    ['ID', 'NAME', 'SCOPES', 'PACKAGES', 'EXPIRES', 'LAST USED'],
    ...response.body.map((token) => [
      token.id,
      token.name,
      token.scopes?.join(',') ?? '',
      token.packages?.join(',') ?? '*',
      token.expires_at?.slice(0, 10) ?? 'never',
      token.last_used_at?.slice(0, 16).replace('T', ' ') ?? 'never',
    ]),
  ];
  for (const line of table(rows)) session.terminal.out(line);
}

async function revoke(session: Session, id: string): Promise<void> {
  await session.client().request(`/auth/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', auth: 'required' });
  session.terminal.out(`Revoked token ${id}.`);
}

export function tokenCommands(program: Command): void {
  const token = program.command('token').description('Create, list and revoke API tokens');
  token
    .command('create')
    .description('Create an API token (shown once)')
    .argument('<name>', 'a name to recognise it by')
    .option('--scope <scope>', `a scope: ${SCOPES.join(', ')} (repeat for several; default read and publish)`, collect)
    .option('--package <pattern>', 'limit to a package name or `prefix*` pattern (repeatable)', collect)
    .option('--expires <days>', 'expire after this many days')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ sounio token create ci --scope publish --package "my-*" --expires 90')
    .action((name: string, options: CreateOptions, command: Command) => create(new Session(command), name, options));
  token
    .command('list')
    .description('List my API tokens')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ sounio token list --json')
    .action((_options: unknown, command: Command) => list(new Session(command)));
  token
    .command('revoke')
    .description('Revoke an API token by its id')
    .argument('<id>', 'the token id (see `sounio token list`)')
    .addHelpText('after', '\nExample:\n  $ sounio token revoke 0b5c6c1e-8d1a-4c36-9a59-5d1f0f6c2f11')
    .action((id: string, _options: unknown, command: Command) => revoke(new Session(command), id));
}
