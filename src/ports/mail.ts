// The mail port. Messages carry their links separately as well, so the outbox adapter can show them to a newcomer
// and tests can follow them without parsing HTML.

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Every link the message asks the reader to follow, written out literally. */
  links?: string[];
}

export interface Mailer {
  readonly kind: 'outbox' | 'smtp';
  send(message: MailMessage): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
