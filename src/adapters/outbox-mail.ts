// Mail to a directory (the default): one JSON file per message under DATA_DIR/outbox, and its links logged, so a
// newcomer can verify an account without a mail server. Files are written atomically (temp + rename).
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { Mailer, MailMessage } from '../ports/mail.js';

// Orders messages written in the same millisecond: file names sort in the order the messages were sent.
let sequence = 0;

export class OutboxMailer implements Mailer {
  readonly kind = 'outbox' as const;

  constructor(
    private readonly dir: string,
    private readonly logger?: Logger,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(sequence++).padStart(8, '0')}-${randomUUID().slice(0, 8)}.json`;
    const record = {
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
      links: message.links ?? [],
      created_at: new Date().toISOString(),
    };
    const temp = join(this.dir, `.${name}.tmp`);
    await writeFile(temp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
    await rename(temp, join(this.dir, name));
    this.logger?.info({ mail: { to: message.to, subject: message.subject, links: record.links, file: join(this.dir, name) } }, `mail to ${message.to}: ${message.subject}`);
  }

  async ping(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async close(): Promise<void> {}
}
