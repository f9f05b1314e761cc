// Mail over SMTP (SMTP_HOST ...) with nodemailer, one pooled transport per process.
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config.js';
import { BackendUnavailableError } from '../errors.js';
import type { Mailer, MailMessage } from '../ports/mail.js';

export class SmtpMailer implements Mailer {
  readonly kind = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(
    config: SmtpConfig,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      ...(config.user !== undefined && { auth: { user: config.user, pass: config.pass ?? '' } }),
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html !== undefined && { html: message.html }),
      });
    } catch (error) {
      throw new BackendUnavailableError('mail', error);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (error) {
      throw new BackendUnavailableError('mail', error);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
