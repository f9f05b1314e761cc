// Seven days before an API token expires, its owner gets a reminder (once per token).
import type { Context } from '../context.js';
import { claimExpiringTokens } from '../db/tokens.js';
import { tokenExpiringMail } from '../services/mail-templates.js';
import { sendMail } from '../services/notify.js';
import type { Job } from './runner.js';

export const REMINDER_LEAD_MS = 7 * 24 * 3600 * 1000;

export async function sendTokenExpiryReminders(ctx: Context): Promise<number> {
  let sent = 0;
  for (;;) {
    const due = await claimExpiringTokens(ctx.db, REMINDER_LEAD_MS, 100);
    for (const token of due) {
      if (await sendMail(ctx, tokenExpiringMail(token.email, token.username, token.name, token.expires_at, `${ctx.config.publicUrl}/settings/tokens`))) sent++;
    }
    if (due.length < 100) return sent;
  }
}

export const tokenExpiryRemindersJob: Job = {
  name: 'token-expiry-reminders',
  intervalMs: 3600_000,
  exclusive: true,
  run: async (ctx) => {
    await sendTokenExpiryReminders(ctx);
  },
};
