// The audit log: who did what, from where. Written in the same transaction as the change it records when there is
// one; read back by a user for their own events.
import type { Queryable } from '../ports/database.js';

export interface AuditEvent {
  userId: string | null;
  action: string;
  resourceType?: string;
  resourceId?: string;
  details?: Record<string, unknown>;
  ip?: string;
  userAgent?: string;
}

export interface AuditRow {
  id: number;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
}

export async function insertAuditEvent(db: Queryable, event: AuditEvent): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (user_id, action, resource_type, resource_id, details, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      event.userId,
      event.action,
      event.resourceType ?? null,
      event.resourceId ?? null,
      JSON.stringify(event.details ?? {}),
      event.ip ?? null,
      event.userAgent?.slice(0, 500) ?? null,
    ],
  );
}

export async function listUserAudit(db: Queryable, userId: string, limit: number, offset: number): Promise<{ rows: AuditRow[]; total: number }> {
  const [page, count] = await Promise.all([
    db.query<AuditRow>(
      `SELECT id, action, resource_type, resource_id, details, ip, user_agent, created_at FROM audit_log
       WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    ),
    db.query<{ total: number }>('SELECT count(*)::int AS total FROM audit_log WHERE user_id = $1', [userId]),
  ]);
  return { rows: page.rows, total: count.rows[0]!.total };
}
