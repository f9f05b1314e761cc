// `sounio yank`, `sounio owner` and `sounio invitations`: what an owner does to a package after publishing it.
// The package is --package NAME, else the one whose Sounio.toml is in the current directory.
import type { Command } from 'commander';
import type { ApiInvitation, ApiMessage, ApiOwners, ApiVersion } from '../api-types.js';
import { usageError } from '../errors.js';
import { Session } from '../session.js';
import { table } from '../terminal.js';
import { readManifest } from './publishing.js';

function packageName(session: Session, option: string | undefined): string {
  return option ?? readManifest(process.cwd(), session.terminal, 'build').name;
}

const path = (name: string) => `/packages/${encodeURIComponent(name)}`;

async function yank(session: Session, version: string, options: { undo?: boolean; reason?: string; package?: string }): Promise<void> {
  if (options.undo && options.reason !== undefined) throw usageError('--reason goes with a yank, not with --undo');
  const name = packageName(session, options.package);
  const client = session.client();
  const action = options.undo ? 'unyank' : 'yank';
  const response = await client.request<ApiVersion>(`${path(name)}/versions/${encodeURIComponent(version)}/${action}`, {
    method: 'POST',
    json: options.reason !== undefined ? { reason: options.reason } : {},
    auth: 'required',
  });
  session.terminal.out(
    options.undo
      ? `Unyanked ${name} ${response.body.version}: new dependents may pick it again.`
      : `Yanked ${name} ${response.body.version}${options.reason !== undefined ? ` (${options.reason})` : ''}: existing lock files keep working, new resolutions skip it.`,
  );
}

function invitationRows(invitations: readonly ApiInvitation[], first: 'package' | 'username'): string[][] {
  return invitations.map((invitation) => [
    first === 'package' ? invitation.package : invitation.username,
    invitation.invited_by !== undefined ? `invited by ${invitation.invited_by}` : '',
    `expires ${invitation.expires_at.slice(0, 10)}`,
  ]);
}

async function owner(session: Session, options: { list?: boolean; add?: string; remove?: string; package?: string; json?: boolean }): Promise<void> {
  const chosen = [options.list, options.add, options.remove].filter((option) => option !== undefined && option !== false).length;
  if (chosen !== 1) throw usageError('choose one of --list, --add USER or --remove USER');
  const name = packageName(session, options.package);
  const client = session.client();
  if (options.add !== undefined) {
    const response = await client.request<{ invited: string[]; message: string }>(`${path(name)}/owners`, { method: 'PUT', json: { users: [options.add] }, auth: 'required' });
    session.terminal.out(response.body.message);
    return;
  }
  if (options.remove !== undefined) {
    const response = await client.request<ApiMessage>(`${path(name)}/owners/${encodeURIComponent(options.remove)}`, { method: 'DELETE', auth: 'required' });
    session.terminal.out(response.body.message);
    return;
  }
  const response = await client.request<ApiOwners>(`${path(name)}/owners`);
  if (session.json) {
    session.printJson(response.body);
    return;
  }
  const invitations = response.body.invitations ?? [];
  const rows = [
    ...response.body.users.map((user) => [user.username, 'owner', '']),
    ...invitationRows(invitations, 'username').map(([user, by, expires]) => [user!, `invited (pending)${by ? `, ${by}` : ''}`, expires!]),
  ];
  session.terminal.out(`Owners of ${name}:`);
  for (const line of table(rows)) session.terminal.out(`  ${line.trimEnd()}`);
}

async function invitations(session: Session, action: string | undefined, name: string | undefined): Promise<void> {
  const client = session.client();
  if (action === undefined) {
    const response = await client.request<{ invitations: ApiInvitation[] }>('/me/owner-invitations', { auth: 'required' });
    if (session.json) {
      session.printJson(response.body);
      return;
    }
    if (response.body.invitations.length === 0) {
      session.terminal.out('No pending owner invitations.');
      return;
    }
    for (const line of table(invitationRows(response.body.invitations, 'package'))) session.terminal.out(line);
    session.terminal.out('Answer with `sounio invitations accept PACKAGE` or `sounio invitations decline PACKAGE`.');
    return;
  }
  if (action !== 'accept' && action !== 'decline') throw usageError(`unknown action "${action}": use accept or decline`);
  if (name === undefined) throw usageError(`which package? \`sounio invitations ${action} PACKAGE\``);
  const response = await client.request<{ accepted: boolean; message: string }>(`/me/owner-invitations/${encodeURIComponent(name)}`, {
    method: 'POST',
    json: { accept: action === 'accept' },
    auth: 'required',
  });
  session.terminal.out(response.body.message);
}

export function ownershipCommands(program: Command): void {
  program
    .command('yank')
    .description('Yank a version (new resolutions skip it; existing lock files keep it), or undo that')
    .argument('<version>', 'the version to yank')
    .option('--undo', 'unyank the version')
    .option('--reason <text>', 'why (shown on the version)')
    .option('--package <name>', 'the package (default: the one in ./Sounio.toml)')
    .addHelpText('after', '\nExamples:\n  $ sounio yank 0.1.0 --reason "miscompiles on aarch64"\n  $ sounio yank 0.1.0 --undo --package my-package')
    .action((version: string, options: { undo?: boolean; reason?: string; package?: string }, command: Command) => yank(new Session(command), version, options));

  program
    .command('owner')
    .description('List, invite or remove the owners of a package')
    .option('--list', 'list owners and pending invitations')
    .option('--add <user>', 'invite a user to become an owner')
    .option('--remove <user>', 'remove an owner, or cancel their invitation')
    .option('--package <name>', 'the package (default: the one in ./Sounio.toml)')
    .option('--json', 'machine-readable output (with --list)')
    .addHelpText('after', '\nExamples:\n  $ sounio owner --list\n  $ sounio owner --add bob --package my-package')
    .action((options: { list?: boolean; add?: string; remove?: string; package?: string }, command: Command) => owner(new Session(command), options));

  program
    .command('invitations')
    .description('List my owner invitations, or accept or decline one')
    .argument('[action]', 'accept or decline')
    .argument('[package]', 'the package the invitation is for')
    .option('--json', 'machine-readable output (when listing)')
    .addHelpText('after', '\nExamples:\n  $ sounio invitations\n  $ sounio invitations accept my-package')
    .action((action: string | undefined, name: string | undefined, _options: unknown, command: Command) => invitations(new Session(command), action, name));
}
