// The real `sounio` binary (dist/cli/main.js) as a child process: with piped standard input, or on a
// pseudo-terminal made by util-linux `script` (so prompts that hide what is typed can be driven and checked).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Children, freePort, waitForReady } from './process.js';
import { tempDir } from './registry.js';

export const CLI = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Written to standard input, which is then closed (standard input is a pipe, never a terminal). */
  input?: string;
  timeoutMs?: number;
}

/** PATH and HOME from the test run, nothing else of its environment (no SOUNIO_* leaks in). */
function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...(process.env['PATH'] !== undefined && { PATH: process.env['PATH'] }),
    ...(process.env['HOME'] !== undefined && { HOME: process.env['HOME'] }),
    ...env,
  };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export interface PtyStep {
  /** Wait until the terminal output so far contains this ... */
  waitFor: string;
  /** ... then type this (Enter is added). */
  type: string;
}

/**
 * Runs the CLI on a pseudo-terminal (`script -qec`): stdin, stdout and stderr are all that terminal, so the output
 * is everything the terminal showed, echoed keystrokes included.
 */
export function runCliOnPty(args: string[], steps: PtyStep[], options: Omit<CliOptions, 'input'> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map(quote).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: options.cwd, env: cliEnv({ TERM: 'dumb', ...options.env }), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const pending = [...steps];
    const advance = () => {
      const step = pending[0];
      if (step !== undefined && output.includes(step.waitFor)) {
        pending.shift();
        child.stdin.write(`${step.type}\r`);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      advance();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// A registry for the CLI to talk to: `sounio-registry serve` on the embedded backends in a temporary DATA_DIR,
// with verified users created beforehand by `sounio-registry admin create-user`.

export const PASSWORD = 'correct horse battery';
export const emailOf = (username: string) => `${username}@example.org`;

export interface CliRegistry {
  url: string;
  /** The server's DATA_DIR (its mail outbox is DATA_DIR/outbox). */
  dataDir: string;
  /** An API token of `username`, created through the API (scopes read and publish unless told). */
  tokenFor(username: string, body?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export async function startRegistryForCli(users: Array<{ username: string; admin?: boolean }>, env: Record<string, string> = {}): Promise<CliRegistry> {
  const children = new Children();
  const dataDir = tempDir('sounio-cli-registry-');
  const base = { DATA_DIR: dataDir, HOST: '127.0.0.1' };
  for (const user of users) {
    const args = ['admin', 'create-user', '--username', user.username, '--email', emailOf(user.username), '--password', PASSWORD, '--verified'];
    const result = await children.run(user.admin ? [...args, '--admin'] : args, base, 60_000);
    if (result.code !== 0) throw new Error(`could not create ${user.username}: ${result.stderr}`);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const generous = Object.fromEntries(
    ['SEARCH_AUTH', 'DOWNLOAD_ANON', 'DOWNLOAD_AUTH', 'PUBLISH_AUTH', 'OTHER_ANON', 'OTHER_AUTH', 'ACCOUNT'].map((name) => [`RATE_LIMIT_${name}`, '100000']),
  );
  const server = children.start(['serve'], { ...base, ...generous, PORT: String(port), PUBLIC_URL: url, ...env });
  await waitForReady(server, url, 60_000);

  async function tokenFor(username: string, body: Record<string, unknown> = {}): Promise<string> {
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: emailOf(username), password: PASSWORD }),
    });
    const { token: jwt } = (await login.json()) as { token: string };
    const created = await fetch(`${url}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ name: `test token ${Math.random().toString(36).slice(2)}`, scopes: ['read', 'publish'], ...body }),
    });
    if (created.status !== 201) throw new Error(`token for ${username}: ${created.status} ${await created.text()}`);
    return ((await created.json()) as { token: string }).token;
  }

  return {
    url,
    dataDir,
    tokenFor,
    stop: async () => {
      await children.killAll();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
