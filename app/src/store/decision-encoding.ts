/**
 * Decisions in the two forms the decision log writes them: COPY text (what it uses where the client
 * has COPY) and the JSON array its insert reads (the fallback that skips stored ids), both in
 * COLUMNS order.
 */
import { type ChallengerScores, type DecisionRecord, reasonsJson } from "./decision-record";

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(value: string | undefined): string {
  if (value === undefined) return "\\N";
  // a scan of the (short) field: the regex test per field was 1.2% of the API's CPU in perf
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) return value.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]);
  }
  return value;
}

/** copyField for JSON.stringify output, which holds no raw tab, newline or CR: only backslashes. */
function copyJson(json: string): string {
  return json.includes("\\") ? json.replaceAll("\\", "\\\\") : json;
}
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

const NO_CHALLENGER = "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n";

/** The challenger columns of a COPY row and its newline. */
function challengerCopy(c: ChallengerScores | undefined): string {
  if (!c) return NO_CHALLENGER;
  return (
    `${c.mode}\t${copyField(c.championVersion)}\t${String(c.championScore)}\t${c.championDecision}\t` +
    `${copyField(c.challengerVersion)}\t${String(c.challengerScore)}\t${c.challengerDecision}\n`
  );
}

/** `batch` as COPY rows, in COLUMNS order. */
export function copyRows(batch: readonly DecisionRecord[]): string {
  let out = "";
  for (const d of batch) {
    out +=
      `${copyField(d.transactionId)}\t${new Date(d.occurredAt).toISOString()}\t${copyField(d.cardId)}\t${copyField(d.merchantId)}\t` +
      // as text: numeric keeps exactly the digits the client sent
      `${String(d.amount)}\t${copyField(d.currency)}\t${copyField(d.merchantCategory)}\t${copyField(d.country)}\t${copyField(d.channel)}\t` +
      `${String(d.score)}\t${d.decision}\t${copyField(d.modelVersion)}\t${d.degraded ? "t" : "f"}\t${copyJson(reasonsJson(d))}\t` +
      challengerCopy(d.challenger);
  }
  return out;
}

/** `batch` as the JSON array the insert's jsonb_to_recordset reads. */
export function insertJson(batch: readonly DecisionRecord[]): string {
  const rows = new Array<Record<string, unknown>>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const d = batch[i];
    rows[i] = {
      transaction_id: d.transactionId,
      occurred_at: new Date(d.occurredAt).toISOString(),
      card_id: d.cardId,
      merchant_id: d.merchantId,
      // as text: numeric keeps exactly the digits the client sent
      amount: String(d.amount),
      currency: d.currency ?? null,
      merchant_category: d.merchantCategory ?? null,
      country: d.country ?? null,
      channel: d.channel ?? null,
      score: d.score,
      decision: d.decision,
      model_version: d.modelVersion,
      degraded: d.degraded,
      reasons: d.reasons,
      challenger_mode: d.challenger?.mode ?? null,
      champion_version: d.challenger?.championVersion ?? null,
      champion_score: d.challenger?.championScore ?? null,
      champion_decision: d.challenger?.championDecision ?? null,
      challenger_version: d.challenger?.challengerVersion ?? null,
      challenger_score: d.challenger?.challengerScore ?? null,
      challenger_decision: d.challenger?.challengerDecision ?? null,
    };
  }
  return JSON.stringify(rows);
}
