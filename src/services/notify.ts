// Sending mail after the change it reports has been committed. A mail failure is logged and does not undo or fail
// the change (the user can ask again: resend verification, request another reset).
import type { Context } from '../context.js';
import type { MailMessage } from '../ports/mail.js';

/** Where a request came from, for the audit log. */
export interface RequestMeta {
  ip?: string;
  userAgent?: string;
}

export async function sendMail(ctx: Context, message: MailMessage): Promise<boolean> {
  try {
    await ctx.mail.send(message);
    return true;
  } catch (error) {
    ctx.logger.error({ err: error, mail: { to: message.to, subject: message.subject } }, 'could not send mail');
    return false;
  }
}
