// The real `sounio-registry` binary (dist/main.js, rebuilt by the global setup) as child processes, and what tests
// of processes need around it: free ports, waiting for /readyz, collecting output, and killing whatever is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist', 'main.js');

/** `count` different TCP ports nothing listens on right now (bound to port 0 together, read, released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RegistryProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | undefined;
}

/**
 * The environment a child gets: only PATH and HOME from ours (so no DATABASE_URL, NODE_ENV or NODE_OPTIONS of the
 * test run leaks in), quiet logs unless asked, plus `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...(process.env['PATH'] !== undefined && { PATH: process.env['PATH'] }),
    ...(process.env['HOME'] !== undefined && { HOME: process.env['HOME'] }),
    LOG_LEVEL: 'warn',
    ...env,
  };
}

/** Children started through this module that may still run; `killAll` ends them. */
export class Children {
  private readonly running = new Set<RegistryProcess>();

  /** Starts `node dist/main.js <args>` (or `node <args>` with `node: true`). */
  start(args: string[], env: Record<string, string> = {}, options: { node?: boolean } = {}): RegistryProcess {
    const child = spawn(process.execPath, options.node ? args : [MAIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not start ${args.join(' ')}`);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    let exit: Exit | undefined;
    const exited = new Promise<Exit>((resolve) => {
      // 'close' rather than 'exit': by then stdout and stderr are complete.
      child.once('close', (code, signal) => {
        exit = { code, signal };
        resolve(exit);
      });
    });
    const handle: RegistryProcess = { child, pid: child.pid, stdout: () => out, stderr: () => err, exited, exit: () => exit };
    this.running.add(handle);
    void exited.then(() => this.running.delete(handle));
    return handle;
  }

  /** Runs a command to its end (killed after `timeoutMs`) and returns its exit and output. */
  async run(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Exit & { stdout: string; stderr: string }> {
    const handle = this.start(args, env);
    const timer = setTimeout(() => handle.child.kill('SIGKILL'), timeoutMs);
    const exit = await handle.exited;
    clearTimeout(timer);
    return { ...exit, stdout: handle.stdout(), stderr: handle.stderr() };
  }

  /** SIGKILLs every child still running and waits until they are gone. */
  async killAll(): Promise<void> {
    const left = [...this.running];
    for (const handle of left) handle.child.kill('SIGKILL');
    await Promise.all(left.map((handle) => handle.exited));
  }
}

/** Polls GET <url>/readyz until it answers 200; fails at once if the process exits, or after `timeoutMs`. */
export async function waitForReady(handle: RegistryProcess, url: string, timeoutMs = 30_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const exit = handle.exit();
    if (exit !== undefined) {
      throw new Error(`process ${handle.pid} exited (code ${exit.code}, signal ${exit.signal}) before it was ready: ${handle.stderr()}`);
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      const body: unknown = await response.json();
      if (response.status === 200) return body;
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`process ${handle.pid} not ready at ${url} within ${timeoutMs} ms (${last}); stderr: ${handle.stderr()}`);
}

/** Polls `condition` every 50 ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Resolves with the exit, or rejects when the process is still running after `timeoutMs`. */
export async function waitForExit(handle: RegistryProcess, timeoutMs = 15_000): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      handle.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`process ${handle.pid} still running after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The lines of a process's output, without the final newline's empty remainder. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, index, all) => !(line === '' && index === all.length - 1));
}
