// The mail port on both adapters with one test body: the outbox directory, and SMTP into a real smtp-server started
// here (no TLS: STARTTLS disabled). What arrives is read back the way a person would see it (the outbox file, or the
// raw SMTP message decoded), then what only one adapter promises: the outbox file format, SMTP's From and envelope,
// authentication, and failing with BackendUnavailableError when the server is down.
import { randomBytes } from 'node:crypto';
import { freePort } from '../helpers/process.js';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/adapters/outbox-mail.js';
import { SmtpMailer } from '../../src/adapters/smtp-mail.js';
import { BackendUnavailableError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { Mailer } from '../../src/ports/mail.js';
import { tempDir } from '../helpers/registry.js';

const MAIL_FROM = 'Sounio Registry <noreply@registry.test>';

/** A message as its reader sees it. */
interface Received {
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** A verification-style link: long (QP wraps lines at 76), with '=', '&', '%' and a token. */
function link(): string {
  return `https://registry.test/account/verify-email?token=${randomBytes(32).toString('hex')}&next=%2Fpackages%2Fmy-pkg&lang=fr`;
}


// --- a small MIME reader, enough for what nodemailer writes (7bit, quoted-printable, base64; multipart/alternative)

interface Part {
  headers: Map<string, string>;
  body: string;
}

function parsePart(raw: string): Part {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = /charset="?([\w-]+)"?/i.exec(part.headers.get('content-type') ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  expect(charset).toBe('utf-8');
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = part.body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return part.body;
}

/** RFC 2047 encoded words (=?UTF-8?B?...?= and =?UTF-8?Q?...?=), adjacent ones joined. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([\w-]+)\?([BQ])\?([^?]*)\?=/gi, (_, charset: string, kind: string, data: string) => {
      expect(charset.toLowerCase()).toBe('utf-8');
      if (kind.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
      const bytes = data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    });
}

/** The text and html bodies of a message (a single part, or multipart/alternative). */
function bodies(message: Part): { text: string; html: string | null } {
  const type = message.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || boundary === undefined) {
    return /^text\/html/i.test(type) ? { text: '', html: decodeBody(message) } : { text: decodeBody(message), html: null };
  }
  const parts = message.body
    .split(`--${boundary}`)
    .slice(1)
    .filter((chunk) => !chunk.startsWith('--'))
    .map((chunk) => parsePart(chunk.replace(/^\r\n/, '').replace(/\r\n$/, '')));
  const find = (kind: string) => parts.find((part) => (part.headers.get('content-type') ?? '').toLowerCase().startsWith(kind));
  const text = find('text/plain');
  const html = find('text/html');
  return { text: text ? decodeBody(text) : '', html: html ? decodeBody(html) : null };
}

// --- the backends

interface SmtpDelivery {
  mailFrom: string | false;
  rcptTo: string[];
  raw: string;
}

interface SmtpServerHandle {
  port: number;
  deliveries: SmtpDelivery[];
  auths: { username: string | null | undefined; password: string | null | undefined }[];
  stop(): Promise<void>;
}

async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<SmtpServerHandle> {
  const deliveries: SmtpDelivery[] = [];
  const auths: SmtpServerHandle['auths'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      auths.push({ username: auth.username, password: auth.password });
      if (auth.username === 'registry' && auth.password === 's3cret pass') callback(null, { user: 'registry' });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        deliveries.push({
          mailFrom: session.envelope.mailFrom === false ? false : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((address) => address.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    deliveries,
    auths,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function smtpMailer(port: number, auth?: { user: string; pass: string }): SmtpMailer {
  return new SmtpMailer({ host: '127.0.0.1', port, secure: false, ...auth }, MAIL_FROM);
}

function readOutbox(dir: string): { file: string; raw: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.map((file) => ({ file, raw: readFileSync(join(dir, file), 'utf8') }));
}

interface Backend {
  name: string;
  start(): Promise<{ mailer: Mailer; received(): Received[]; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'OutboxMailer',
    start: async () => {
      const dir = join(tempDir('sounio-outbox-test-'), 'outbox');
      const mailer = new OutboxMailer(dir);
      return {
        mailer,
        received: () => readOutbox(dir).map(({ raw }) => JSON.parse(raw) as Received),
        stop: async () => {
          await mailer.close();
          rmSync(join(dir, '..'), { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'SmtpMailer (smtp-server)',
    start: async () => {
      const server = await startSmtp();
      const mailer = smtpMailer(server.port);
      return {
        mailer,
        received: () =>
          server.deliveries.map(({ raw }) => {
            const message = parsePart(raw);
            return { to: message.headers.get('to') ?? '', subject: decodeWords(message.headers.get('subject') ?? ''), ...bodies(message) };
          }),
        stop: async () => {
          await mailer.close();
          await server.stop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`Mailer port [${backend.name}]`, () => {
    let mailer: Mailer;
    let received: () => Received[];
    let stop: (() => Promise<void>) | undefined;
    let seen = 0;
    beforeAll(async () => {
      ({ mailer, received, stop } = await backend.start());
    });
    afterAll(async () => {
      await stop?.();
    });
    /** The messages received since the last call. */
    const fresh = () => {
      const all = received();
      const next = all.slice(seen);
      seen = all.length;
      return next;
    };

    it('answers ping', async () => {
      await expect(mailer.ping()).resolves.toBeUndefined();
    });

    it('delivers the recipient, subject and text', async () => {
      const url = link();
      const text = `Hello ada,\n\nConfirm your address by opening this link:\n\n${url}\n\nIf you did not sign up, ignore this message.\n`;
      await mailer.send({ to: 'ada@example.org', subject: 'Verify your email address', text, links: [url] });
      const [message, ...more] = fresh();
      expect(more).toEqual([]);
      expect(message!.to).toBe('ada@example.org');
      expect(message!.subject).toBe('Verify your email address');
      expect(message!.text.replace(/\r\n/g, '\n').trimEnd()).toBe(text.trimEnd());
      expect(message!.text).toContain(url);
      expect(message!.html).toBeNull();
    });

    it('delivers an html alternative with the link intact', async () => {
      const url = link();
      const html = `<p>Hello ada,</p><p><a href="${url.replace(/&/g, '&amp;')}">Reset your password</a></p>`;
      await mailer.send({ to: 'ada@example.org', subject: 'Reset your password', text: `Reset: ${url}`, html, links: [url] });
      const [message] = fresh();
      expect(message!.text).toContain(url);
      expect(message!.html).not.toBeNull();
      expect(message!.html!.replace(/\r\n/g, '')).toContain(html);
    });

    it('keeps non-ASCII subjects and text', async () => {
      const subject = 'Bienvenue à Sounio — vérifiez votre adresse ✓ 日本語';
      const text = 'Ça marche : ünïcödé, emoji 🎉, and a long line '.repeat(5);
      await mailer.send({ to: 'zoë@example.org', subject, text });
      const [message] = fresh();
      expect(message!.subject).toBe(subject);
      expect(message!.text.replace(/\r\n/g, '\n').trimEnd()).toBe(text.trimEnd());
      expect(message!.to).toContain('example.org');
    });

    it('several messages arrive as several, in the order sent', async () => {
      const subjects = Array.from({ length: 12 }, (_, i) => `Message ${i + 1} of 12`);
      for (const subject of subjects) await mailer.send({ to: `user${subjects.indexOf(subject)}@example.org`, subject, text: subject });
      const messages = fresh();
      expect(messages.map((message) => message.subject)).toEqual(subjects);
      expect(messages.map((message) => message.to)).toEqual(subjects.map((_, i) => `user${i}@example.org`));
    });
  });
}

describe('OutboxMailer specifics', () => {
  let root: string;
  let dir: string;
  beforeAll(() => {
    root = tempDir('sounio-outbox-test-');
    dir = join(root, 'outbox');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('ping creates the directory', async () => {
    const mailer = new OutboxMailer(join(root, 'pinged'));
    await mailer.ping();
    expect(statSync(join(root, 'pinged')).isDirectory()).toBe(true);
  });

  it('writes one private, valid JSON file per message, with every field and the links literally', async () => {
    const mailer = new OutboxMailer(dir);
    const url = link();
    const odd = 'https://registry.test/invite?a=1&b=<two>&c="three"&d=ünï';
    const before = Date.now();
    await mailer.send({ to: 'ada@example.org', subject: 'Invitation', text: `Join: ${url}`, html: '<b>Join</b>', links: [url, odd] });
    const files = readOutbox(dir);
    expect(files).toHaveLength(1);
    expect(files[0]!.file).toMatch(/^[\w.-]+\.json$/);
    const record = JSON.parse(files[0]!.raw) as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(['created_at', 'html', 'links', 'subject', 'text', 'to']);
    expect(record).toMatchObject({ to: 'ada@example.org', subject: 'Invitation', text: `Join: ${url}`, html: '<b>Join</b>', links: [url, odd] });
    const created = Date.parse(record['created_at'] as string);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now() + 1000);
    // Literally: a newcomer can copy the link out of the file as it is.
    expect(files[0]!.raw).toContain(url);
    expect(files[0]!.raw).toContain('https://registry.test/invite?a=1&b=<two>&c=\\"three\\"&d=ünï');
    expect(statSync(join(dir, files[0]!.file)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([files[0]!.file]); // no temporary file left behind
  });

  it('without html or links, writes html null and links []', async () => {
    const own = join(root, 'bare');
    await new OutboxMailer(own).send({ to: 'bo@example.org', subject: 'Plain', text: 'Just text' });
    const [file] = readOutbox(own);
    expect(JSON.parse(file!.raw)).toMatchObject({ to: 'bo@example.org', subject: 'Plain', text: 'Just text', html: null, links: [] });
  });

  it('messages sent back to back keep their order in file-name order', async () => {
    const own = join(root, 'ordered');
    const mailer = new OutboxMailer(own);
    const subjects = Array.from({ length: 60 }, (_, i) => `Burst ${i}`);
    for (const subject of subjects) await mailer.send({ to: 'ada@example.org', subject, text: subject });
    const records = readOutbox(own).map(({ raw }) => JSON.parse(raw) as Received);
    expect(records.map((record) => record.subject)).toEqual(subjects);
  });

  it('concurrent sends each get their own file', async () => {
    const own = join(root, 'concurrent');
    const mailer = new OutboxMailer(own);
    await Promise.all(Array.from({ length: 30 }, (_, i) => mailer.send({ to: 'ada@example.org', subject: `Parallel ${i}`, text: 'x' })));
    const subjects = readOutbox(own).map(({ raw }) => (JSON.parse(raw) as Received).subject);
    expect(subjects.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `Parallel ${i}`).sort());
    expect(readdirSync(own).filter((file) => !file.endsWith('.json'))).toEqual([]);
  });

  it('logs each message with its links, so a newcomer can follow them', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const url = link();
    await new OutboxMailer(join(root, 'logged'), logger).send({ to: 'ada@example.org', subject: 'Verify', text: url, links: [url] });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { msg: string; mail: { to: string; links: string[]; file: string } };
    expect(entry.msg).toBe('mail to ada@example.org: Verify');
    expect(entry.mail.links).toEqual([url]);
    expect(entry.mail.file.startsWith(join(root, 'logged'))).toBe(true);
    expect(JSON.parse(readFileSync(entry.mail.file, 'utf8'))).toMatchObject({ subject: 'Verify' });
  });
});

describe('SmtpMailer specifics', () => {
  let server: SmtpServerHandle;
  beforeAll(async () => {
    server = await startSmtp();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends From the configured address, on the right envelope, with the link in the raw message', async () => {
    const mailer = smtpMailer(server.port);
    try {
      const url = link();
      const from = server.deliveries.length;
      await mailer.send({ to: 'ada@example.org', subject: 'Verify your email address', text: `Open ${url} to verify.`, links: [url] });
      const [delivery, ...more] = server.deliveries.slice(from);
      expect(more).toEqual([]);
      expect(delivery!.mailFrom).toBe('noreply@registry.test');
      expect(delivery!.rcptTo).toEqual(['ada@example.org']);
      const message = parsePart(delivery!.raw);
      expect(message.headers.get('from')).toBe(MAIL_FROM);
      expect(message.headers.get('to')).toBe('ada@example.org');
      expect(message.headers.get('subject')).toBe('Verify your email address');
      expect(message.headers.get('message-id')).toMatch(/^<.+@.+>$/);
      expect(message.headers.get('date')).toBeDefined();
      expect(bodies(message).text).toContain(url);
      // The raw message too, once quoted-printable soft line breaks are undone.
      expect(delivery!.raw.replace(/=\r\n/g, '').replace(/=3D/g, '=')).toContain(url);
    } finally {
      await mailer.close();
    }
  });

  it('authenticates with SMTP_USER/SMTP_PASS when configured', async () => {
    const strict = await startSmtp({ authOptional: false, allowInsecureAuth: true, authMethods: ['PLAIN', 'LOGIN'] });
    const good = smtpMailer(strict.port, { user: 'registry', pass: 's3cret pass' });
    const bad = smtpMailer(strict.port, { user: 'registry', pass: 'wrong' });
    const anonymous = smtpMailer(strict.port);
    try {
      await good.send({ to: 'ada@example.org', subject: 'Authenticated', text: 'hi' });
      expect(strict.deliveries).toHaveLength(1);
      expect(strict.auths[0]).toEqual({ username: 'registry', password: 's3cret pass' });
      await expect(bad.send({ to: 'ada@example.org', subject: 'Refused', text: 'hi' })).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(anonymous.send({ to: 'ada@example.org', subject: 'Refused', text: 'hi' })).rejects.toBeInstanceOf(BackendUnavailableError);
      expect(strict.deliveries).toHaveLength(1);
    } finally {
      await Promise.all([good.close(), bad.close(), anonymous.close()]);
      await strict.stop();
    }
  });

  it('a refused recipient is an error, not a silent drop', async () => {
    const picky = await startSmtp({
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@blocked.test')) callback(new Error('mailbox unavailable'));
        else callback();
      },
    });
    const mailer = smtpMailer(picky.port);
    try {
      await expect(mailer.send({ to: 'nobody@blocked.test', subject: 'x', text: 'x' })).rejects.toBeInstanceOf(BackendUnavailableError);
      expect(picky.deliveries).toHaveLength(0);
    } finally {
      await mailer.close();
      await picky.stop();
    }
  });

  it('to a dead port, send and ping reject with BackendUnavailableError, quickly', async () => {
    const mailer = smtpMailer(await freePort());
    try {
      const started = Date.now();
      const sent = await mailer.send({ to: 'ada@example.org', subject: 'x', text: 'x' }).then(
        () => new Error('send resolved'),
        (error: unknown) => error,
      );
      expect(sent).toBeInstanceOf(BackendUnavailableError);
      expect((sent as BackendUnavailableError).backend).toBe('mail');
      await expect(mailer.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await mailer.close();
    }
  });
});
