// `sounio login`, `sounio logout`, `sounio whoami`: getting a token into the credentials file, checked against
// the registry first (GET /me and GET /auth/tokens/current), and out again.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import type { ApiToken, ApiTokenCreated, ApiUser } from '../api-types.js';
import { usageError } from '../errors.js';
import { Session } from '../session.js';
import { promptHidden, readStdin } from '../terminal.js';

interface LoginOptions {
  token?: string;
  email?: string;
}

/** The first non-empty line of piped input, or a hidden prompt on a terminal. */
async function secretInput(session: Session, question: string): Promise<string> {
  if (session.terminal.interactive) return promptHidden(question);
  const line = (await readStdin()).split(/\r?\n/).find((text) => text.trim() !== '');
  return line?.trim() ?? '';
}

/** Logs in with email and password and creates a token for this machine with `read` and `publish`. */
async function tokenFromPassword(session: Session, email: string): Promise<string> {
  const password = await secretInput(session, `Password for ${email}: `);
  if (password === '') throw usageError('no password given', 'Type it at the prompt, or pipe it in: `echo "$PASSWORD" | sounio login --email ADDRESS`.');
  const login = await session.client(undefined).request<{ token: string }>('/auth/login', { method: 'POST', json: { email, password }, auth: 'none' });
  const name = `sounio CLI on ${hostname()}`.slice(0, 100);
  const created = await session.client(login.body.token).request<ApiTokenCreated>('/auth/tokens', {
    method: 'POST',
    json: { name, scopes: ['read', 'publish'] },
    auth: 'required',
  });
  return created.body.token;
}

async function login(session: Session, options: LoginOptions): Promise<void> {
  const registry = session.registry;
  let token: string;
  if (options.email !== undefined) {
    token = await tokenFromPassword(session, options.email);
  } else if (options.token !== undefined) {
    token = options.token.trim();
  } else {
    if (session.terminal.interactive) session.terminal.err(`Create an API token at ${registry}/settings/tokens, then paste it below.`);
    token = await secretInput(session, 'API token: ');
  }
  if (token === '') {
    throw usageError('no token given', `Create one at ${registry}/settings/tokens, then run \`sounio login --token TOKEN\` or pipe it in.`);
  }
  const client = session.client(token);
  const me = await client.request<ApiUser>('/me', { auth: 'required' });
  const current = await client.request<ApiToken>('/auth/tokens/current', { auth: 'required' });
  const credentials = session.credentials;
  session.saveCredentials({
    default_registry: credentials.default_registry ?? registry,
    registries: {
      ...credentials.registries,
      [registry]: {
        token,
        username: me.body.username,
        created_at: current.body.created_at,
        ...(current.body.expires_at !== undefined && { expires_at: current.body.expires_at }),
      },
    },
  });
  const scopes = current.body.scopes?.join(', ') ?? 'read, publish';
  const expiry = current.body.expires_at !== undefined ? `expires ${current.body.expires_at.slice(0, 10)}` : 'never expires';
  session.terminal.out(`Logged in to ${registry} as ${me.body.username} (token "${current.body.name}": ${scopes}; ${expiry}).`);
  session.terminal.out(`Token saved in ${session.credentialsFile}.`);
}

async function logout(session: Session, options: { revoke?: boolean }): Promise<void> {
  const registry = session.registry;
  const credentials = session.credentials;
  const saved = credentials.registries[registry];
  if (saved === undefined) {
    session.terminal.out(`Not logged in to ${registry}; nothing to do.`);
    return;
  }
  if (options.revoke) {
    const client = session.client(saved.token);
    const current = await client.request<ApiToken>('/auth/tokens/current', { auth: 'required' });
    await client.request(`/auth/tokens/${encodeURIComponent(current.body.id)}`, { method: 'DELETE', auth: 'required' });
  }
  const { [registry]: _removed, ...rest } = credentials.registries;
  session.saveCredentials({ ...(credentials.default_registry !== undefined && { default_registry: credentials.default_registry }), registries: rest });
  session.terminal.out(`Logged out of ${registry}: the token was removed from ${session.credentialsFile}.`);
  session.terminal.out(options.revoke ? 'The token was revoked on the registry.' : `The token itself still works until it is revoked (\`sounio logout --revoke\` or ${registry}/settings/tokens).`);
}

async function whoami(session: Session): Promise<void> {
  const client = session.client();
  const me = await client.request<ApiUser>('/me', { auth: 'required' });
  const current = await client.request<ApiToken>('/auth/tokens/current', { auth: 'required', accept: [400] });
  const token = current.status === 200 ? current.body : null;
  if (session.json) {
    session.printJson({ registry: session.registry, user: me.body, token });
    return;
  }
  session.terminal.out(`${me.body.username} <${me.body.email}> on ${session.registry}`);
  if (token !== null) {
    const expiry = token.expires_at !== undefined ? `expires ${token.expires_at}` : 'never expires';
    session.terminal.out(`token "${token.name}" (${token.scopes?.join(', ') ?? ''}; ${expiry})`);
  }
}

export function accountCommands(program: Command): void {
  program
    .command('login')
    .description('Save an API token for the registry (checked against it first)')
    .option('--token <token>', 'the API token (else read from standard input, or asked for on a terminal)')
    .option('--email <address>', 'log in with email and password instead, creating a token for this machine')
    .addHelpText('after', '\nExamples:\n  $ sounio login                      # paste a token from <registry>/settings/tokens\n  $ echo "$TOKEN" | sounio login\n  $ sounio login --email you@example.org --registry https://registry.sounio-lang.org')
    .action(async (options: LoginOptions, command: Command) => {
      if (options.token !== undefined && options.email !== undefined) throw usageError('give either --token or --email, not both');
      await login(new Session(command), options);
    });

  program
    .command('logout')
    .description('Remove the saved token for the registry')
    .option('--revoke', 'also revoke the token on the registry')
    .addHelpText('after', '\nExample:\n  $ sounio logout --revoke')
    .action((options: { revoke?: boolean }, command: Command) => logout(new Session(command), options));

  program
    .command('whoami')
    .description('Show the user the saved token belongs to')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  $ sounio whoami --registry http://localhost:3000')
    .action((_options: unknown, command: Command) => whoami(new Session(command)));
}

