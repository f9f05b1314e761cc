// Accounts end to end with real mail: the verification link travels over SMTP to a real SMTP server and is followed
// back into the API. On each backend: concurrent registrations of one name (in any case) make exactly one account,
// and a whole account flow leaves no password, token, JWT or mailed link token in the logs, even at level trace.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createTestRegistry, describeEachBackend, type TestRegistry } from '../helpers/registry.js';

const PUBLIC_URL = 'https://registry.example.test';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts. */
async function startSmtpServer(): Promise<{ port: number; received: ReceivedMail[]; close(): Promise<void> }> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        received.push({ from, to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The headers (lower-case names, unfolded) and body of a MIME entity. */
function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

/** The decoded text/plain part of a message (found in multipart/* entities too). */
function plainText(raw: string): string | null {
  const { headers, body } = splitEntity(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary !== undefined) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith('--')) break;
      const text = plainText(part.replace(/^\r?\n/, ''));
      if (text !== null) return text;
    }
    return null;
  }
  return /^text\/plain/i.test(type) ? decodeBody(body, headers['content-transfer-encoding']) : null;
}

async function waitForMail(received: ReceivedMail[], to: string, count = 1): Promise<ReceivedMail[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mails = received.filter((mail) => mail.to.includes(to));
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within 10 s (got ${received.length} in all)`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('registration, verification and login with the mail sent over SMTP [PGlite + SMTP server]', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let registry: TestRegistry;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    registry = await createTestRegistry('embedded', {
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), PUBLIC_URL, MAIL_FROM: 'Sounio Test <noreply@registry.example.test>' },
    });
  });
  afterAll(async () => {
    await registry?.ctx.mail.close();
    await registry?.close();
    await smtp?.close();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) => registry.app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });
  const me = (jwt: string) => registry.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${jwt}` } });
  const login = async (email: string, password: string): Promise<string> => {
    const response = await post('/auth/login', { email, password });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().token as string;
  };

  it('mails a verification link that verifies the address once', async () => {
    expect(registry.ctx.mail.kind).toBe('smtp');
    const email = 'ada@example.org';
    const password = 'analytical engine 1843';
    const registered = await post('/auth/register', { username: 'Ada_Lovelace', email, password });
    expect(registered.statusCode, registered.body).toBe(201);
    expect(registered.json()).toMatchObject({ username: 'Ada_Lovelace', email, email_verified: false });

    const [mail] = await waitForMail(smtp.received, email);
    expect(mail!.from).toBe('noreply@registry.example.test');
    expect(mail!.to).toEqual([email]);
    const { headers } = splitEntity(mail!.raw);
    expect(headers['subject']).toBe('Verify your email address');
    expect(headers['to']).toContain(email);
    expect(headers['from']).toContain('noreply@registry.example.test');
    const text = plainText(mail!.raw);
    expect(text, mail!.raw).not.toBeNull();
    expect(text).toContain('Ada_Lovelace');
    const links = [...text!.matchAll(/https?:\/\/\S+/g)].map((match) => match[0]);
    expect(links).toHaveLength(1);
    const link = new URL(links[0]!);
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/verify`);
    const token = link.searchParams.get('token');
    expect(token).toMatch(/^[\w-]{40,}$/);
    // Nothing went to the outbox: SMTP_HOST replaces it.
    expect(registry.outbox()).toEqual([]);

    // Not verified yet.
    expect((await me(await login(email, password))).json().email_verified).toBe(false);

    const verified = await post('/auth/verify', { token: token! });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ username: 'Ada_Lovelace', email_verified: true });

    const profile = await me(await login(email, password));
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({ username: 'Ada_Lovelace', email, email_verified: true });

    const again = await post('/auth/verify', { token: token! });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toBe('invalid_verification_token');
  });

  it('mails a password reset link that sets a new password', async () => {
    const email = 'grace@example.org';
    expect((await post('/auth/register', { username: 'grace', email, password: 'cobol compiler 1959' })).statusCode).toBe(201);
    await waitForMail(smtp.received, email, 1);
    expect((await post('/auth/password-reset/request', { email })).statusCode).toBe(202);
    const mails = await waitForMail(smtp.received, email, 2);
    const resetMail = mails[1]!;
    expect(splitEntity(resetMail.raw).headers['subject']).toBe('Reset your password');
    const link = /https?:\/\/\S+/.exec(plainText(resetMail.raw) ?? '')?.[0];
    expect(link).toMatch(new RegExp(`^${PUBLIC_URL.replace(/\./g, '\\.')}/password-reset\\?token=[\\w-]{40,}$`));
    const reset = await post('/auth/password-reset', { token: new URL(link!).searchParams.get('token')!, password: 'a brand new password' });
    expect(reset.statusCode, reset.body).toBe(200);
    await login(email, 'a brand new password');
    // The change is confirmed by mail as well.
    const confirmation = (await waitForMail(smtp.received, email, 3))[2]!;
    expect(splitEntity(confirmation.raw).headers['subject']).toBe('Your password was changed');
  });
});

describeEachBackend(
  'concurrent registrations',
  (registry) => {
    it('40 parallel registrations of one name in different cases make exactly one account', async () => {
      const { app, ctx } = registry();
      const cases = ['racer', 'Racer', 'RACER', 'rAcEr', 'RaCeR', 'racER', 'RACer', 'rACER'];
      const attempts = Array.from({ length: 40 }, (_, i) => ({ username: cases[i % cases.length]!, email: `racer${i}@example.org`, password: `racing password ${i}` }));
      const responses = await Promise.all(attempts.map((payload) => app.inject({ method: 'POST', url: '/api/v1/auth/register', payload })));
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 201), JSON.stringify(statuses)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(39);
      for (const response of responses.filter((r) => r.statusCode === 409)) {
        expect(response.json()).toMatchObject({ error: 'username_taken', details: { field: 'username' } });
      }
      const winnerIndex = statuses.indexOf(201);
      const winner = attempts[winnerIndex]!;
      expect(responses[winnerIndex]!.json()).toMatchObject({ username: winner.username, email: winner.email });

      const { rows } = await ctx.db.query<{ username: string; email: string }>(`SELECT username, email FROM users WHERE lower(username) = 'racer'`);
      expect(rows).toEqual([{ username: winner.username, email: winner.email }]);
      const profile = await app.inject({ method: 'GET', url: '/api/v1/users/RACER' });
      expect(profile.statusCode).toBe(200);
      expect(profile.json().username).toBe(winner.username);
      // Only the account that exists got a verification mail.
      const mails = registry().outbox().filter((mail) => mail.to.startsWith('racer'));
      expect(mails.map((mail) => mail.to)).toEqual([winner.email]);
    });

    it('parallel registrations with one address in different cases make exactly one account', async () => {
      const { app } = registry();
      const emails = ['Same@Example.org', 'same@example.org', 'SAME@EXAMPLE.ORG', 'same@EXAMPLE.org'];
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: `same_${i}`, email: emails[i % emails.length]!, password: `same password ${i}` } }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 201), JSON.stringify(statuses)).toHaveLength(1);
      for (const response of responses.filter((r) => r.statusCode !== 201)) {
        expect(response.statusCode).toBe(409);
        expect(response.json()).toMatchObject({ error: 'email_taken', details: { field: 'email' } });
      }
    });
  },
  { env: { RATE_LIMIT_ACCOUNT: '1000' } },
);

// One sink for both backends' registries; each test looks for its own secrets in everything logged.
const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

describeEachBackend(
  'no secrets in the logs',
  (registry, kind) => {
    it('a whole account flow at log level trace leaves no password, API token, JWT or link token in the logs', async () => {
      const reg = registry();
      const { app } = reg;
      const secrets: string[] = [];
      const keep = <T extends string>(secret: T): T => {
        secrets.push(secret);
        return secret;
      };
      const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, options: { payload?: object; bearer?: string } = {}, status?: number) => {
        const response = await app.inject({
          method,
          url,
          ...(options.payload !== undefined && { payload: options.payload }),
          headers: { 'user-agent': 'secrets-test', ...(options.bearer !== undefined && { authorization: `Bearer ${options.bearer}` }) },
        });
        if (status !== undefined) expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
        return response;
      };
      const linkToken = (subject: RegExp, to: string): string => {
        const mail = reg.outbox().filter((message) => message.to === to && subject.test(message.subject)).pop();
        if (mail === undefined) throw new Error(`no mail "${subject}" to ${to}`);
        return new URL(mail.links[0]!).searchParams.get('token')!;
      };
      const loginAs = async (email: string, password: string) => keep((await call('POST', '/api/v1/auth/login', { payload: { email, password } }, 200)).json().token as string);

      const username = `Quiet_${kind}`;
      const email = `quiet.${kind}@example.org`;
      const first = keep(`first-secret-password-${kind}`);
      const second = keep(`second-secret-password-${kind}`);
      const third = keep(`third-secret-password-${kind}`);
      const wrong = keep(`wrong-guess-password-${kind}`);

      await call('POST', '/api/v1/auth/register', { payload: { username, email, password: first } }, 201);
      const verification = keep(linkToken(/verify/i, email));
      await call('GET', `/verify?token=${verification}`); // the link as a browser opens it
      await call('POST', '/api/v1/auth/verify', { payload: { token: verification } }, 200);

      const jwt1 = await loginAs(email, first);
      await call('POST', '/api/v1/auth/login', { payload: { email, password: wrong } }, 401);
      const created = await call('POST', '/api/v1/auth/tokens', { payload: { name: 'ci', scopes: ['read', 'publish'] }, bearer: jwt1 }, 201);
      const apiToken = keep(created.json().token as string);
      keep(apiToken.slice(apiToken.indexOf('_') + 1));
      expect((await call('GET', '/api/v1/me', { bearer: apiToken }, 200)).json().email_verified).toBe(true);
      await call('GET', '/api/v1/auth/tokens/current', { bearer: apiToken }, 200);
      await call('GET', `/api/v1/auth/tokens?token=${apiToken}`, { bearer: apiToken }, 200);

      await call('PATCH', '/api/v1/me', { payload: { password: second, current_password: wrong }, bearer: jwt1 }, 403);
      await call('PATCH', '/api/v1/me', { payload: { password: second, current_password: first }, bearer: jwt1 }, 200);
      expect((await call('GET', '/api/v1/me', { bearer: jwt1 }, 401)).json().error).toBe('session_ended');
      const jwt2 = await loginAs(email, second);

      await call('POST', '/api/v1/auth/password-reset/request', { payload: { email } }, 202);
      const reset = keep(linkToken(/reset/i, email));
      await call('GET', `/password-reset?token=${reset}`);
      await call('POST', '/api/v1/auth/password-reset', { payload: { token: reset, password: third } }, 200);
      await call('POST', '/api/v1/auth/password-reset', { payload: { token: reset, password: third } }, 400);
      expect((await call('GET', '/api/v1/me', { bearer: jwt2 }, 401)).json().error).toBe('session_ended');
      const jwt3 = await loginAs(email, third);
      await call('GET', '/api/v1/me', { bearer: jwt3 }, 200);
      // A JWT's signature alone is a secret too.
      for (const jwt of [jwt1, jwt2, jwt3]) keep(jwt.split('.')[2]!);

      await new Promise((resolve) => setTimeout(resolve, 50));
      const all = logLines.join('\n');
      // The flow was logged (so the check below means something) ...
      expect(all).toContain('/api/v1/auth/password-reset');
      expect(all).toContain('/verify?token=[REDACTED]');
      expect(reg.ctx.logger.level).toBe('trace');
      // ... and no secret is in it.
      for (const secret of secrets) expect(all.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the logs`).toBe(false);
    });
  },
  { logger: createLogger('trace', sink) },
);
