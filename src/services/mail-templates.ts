// The registry's messages to people. Each returns a MailMessage whose links are also listed on their own, so the
// outbox shows them and tests can follow them.
import type { MailMessage } from '../ports/mail.js';

function message(to: string, subject: string, paragraphs: string[], links: string[] = []): MailMessage {
  const text = paragraphs.join('\n\n') + '\n\n— The Sounio Package Registry\n';
  const html =
    paragraphs.map((paragraph) => `<p>${escape(paragraph).replace(/(https?:\/\/\S+)/g, '<a href="$1">$1</a>')}</p>`).join('\n') +
    '\n<p>— The Sounio Package Registry</p>\n';
  return { to, subject, text, html, links };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function verificationMail(to: string, username: string, link: string): MailMessage {
  return message(
    to,
    'Verify your email address',
    [`Hello ${username},`, `Please confirm that ${to} is your address by opening this link within 24 hours:`, link, 'If you did not sign up, ignore this message.'],
    [link],
  );
}

export function emailChangedMail(to: string, username: string, newEmail: string): MailMessage {
  return message(to, 'Your email address was changed', [
    `Hello ${username},`,
    `The email address of your Sounio registry account was changed to ${newEmail}.`,
    'If you did not do this, reset your password at once and contact the registry administrators.',
  ]);
}

export function passwordResetMail(to: string, username: string, link: string): MailMessage {
  return message(
    to,
    'Reset your password',
    [`Hello ${username},`, 'Someone asked to reset the password of your Sounio registry account. Open this link within one hour to choose a new one:', link, 'If it was not you, ignore this message: your password stays as it is.'],
    [link],
  );
}

export function passwordChangedMail(to: string, username: string): MailMessage {
  return message(to, 'Your password was changed', [
    `Hello ${username},`,
    'The password of your Sounio registry account was changed, and every login session was ended.',
    'If you did not do this, reset your password at once.',
  ]);
}

export function tokenCreatedMail(to: string, username: string, tokenName: string, scopes: string[], settingsLink: string): MailMessage {
  return message(
    to,
    `A token named ${tokenName} was created`,
    [`Hello ${username},`, `A new API token named "${tokenName}" with the scopes ${scopes.join(', ')} was created for your account.`, `If this was not you, revoke it here: ${settingsLink}`],
    [settingsLink],
  );
}

export function tokenExpiringMail(to: string, username: string, tokenName: string, expiresAt: Date, settingsLink: string): MailMessage {
  return message(
    to,
    `Your token ${tokenName} expires soon`,
    [`Hello ${username},`, `Your API token "${tokenName}" expires on ${expiresAt.toISOString()}.`, `Create a new one (or rotate it) here: ${settingsLink}`],
    [settingsLink],
  );
}
