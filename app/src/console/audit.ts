/** The console's audit trail (table console_audit): who did what, when, with the state before and after. */
import type { Queryable } from "../store/sql";
import type { AuditEntry, AuditRow } from "./wire";

export type { AuditEntry, AuditRow };

export async function recordAudit(q: Queryable, s: string, e: AuditEntry): Promise<void> {
  await q.query(`INSERT INTO ${s}console_audit (actor, role, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6)`, [
    e.actor,
    e.role,
    e.action,
    e.target ?? null,
    e.before === undefined ? null : JSON.stringify(e.before),
    e.after === undefined ? null : JSON.stringify(e.after),
  ]);
}

/** The latest entries about `target`, newest first. */
export async function auditOf(q: Queryable, s: string, target: string, limit = 20): Promise<AuditRow[]> {
  const { rows } = await q.query<{ at: Date; actor: string; role: string; action: string; before: unknown; after: unknown }>(
    `SELECT at, actor, role, action, before, after FROM ${s}console_audit WHERE target = $1 ORDER BY at DESC, id DESC LIMIT $2`,
    [target, limit],
  );
  return rows.map((r) => ({
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    role: r.role,
    action: r.action,
    target,
    before: r.before ?? undefined,
    after: r.after ?? undefined,
  }));
}
