/**
 * One decision: the transaction, score and reasons (feature contributions as bars), the card's and
 * merchant's recent history, the standing label and who set it, and, for an analyst, the label
 * form. Keys: f fraud, l legit, Esc back to the queue. After a label the next queue item opens.
 */
import type { ChartConfiguration } from "chart.js";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Reason } from "../../model/reasons";
import type { DecisionDetail as Detail, HistoryItem, QueuePage } from "../wire";
import { currentSession, get, post } from "./api";
import { ChartCanvas, COLORS } from "./charts";
import { fmtAmount, fmtNumber, fmtScore, fmtTime } from "./format";
import { filtersOf, withQuery } from "./queue-view";
import { Empty, ErrorBox, Frame, html, Link, Loading, navigate, typing } from "./ui";

function History(props: { title: string; items: HistoryItem[]; other: "card" | "merchant"; search: URLSearchParams }) {
  if (props.items.length === 0)
    return html`<section>
      <h2>${props.title}</h2>
      <${Empty}>No other decision in the log.<//>
    </section>`;
  return html`<section>
    <h2>${props.title}</h2>
    <table class="history">
      <thead>
        <tr>
          <th>Time</th>
          <th class="num">Amount</th>
          <th>${props.other === "card" ? "Card" : "Merchant"}</th>
          <th class="num">Score</th>
          <th>Decision</th>
          <th>Label</th>
        </tr>
      </thead>
      <tbody>
        ${props.items.map(
          (h) =>
            html`<tr key=${h.transactionId}>
              <td>
                <${Link} href=${withQuery(`/console/decisions/${encodeURIComponent(h.transactionId)}`, filtersOf(props.search))}
                  >${fmtTime(h.occurredAt)}<//
                >
              </td>
              <td class="num">${fmtNumber(h.amount)}</td>
              <td>${props.other === "card" ? h.cardId : h.merchantId}</td>
              <td class="num">${fmtScore(h.score)}</td>
              <td><span class=${`pill ${h.decision}`}>${h.decision}</span></td>
              <td>${h.label ? html`<span class=${`pill ${h.label}`}>${h.label}</span>` : "–"}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** " set by ana at <time>": one string, so no template whitespace can be lost between its words. */
function labelledBy(l: NonNullable<Detail["label"]>): string {
  return ` set ${l.by ? `by ${l.by}` : "through the API"} at ${fmtTime(l.reportedAt)}`;
}

function reasonsChart(reasons: readonly Reason[]): ChartConfiguration<"bar"> {
  return {
    type: "bar",
    data: {
      labels: reasons.map((r) => r.feature),
      datasets: [{ label: "contribution (log-odds)", data: reasons.map((r) => r.contribution), backgroundColor: COLORS.bar }],
    },
    options: {
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, title: { display: true, text: "log-odds towards fraud" } } },
    },
  };
}

function LabelForm(props: { id: string; search: URLSearchParams; onError: (e: unknown) => void }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  // The key handler is bound once and reads these: an effect re-bound after each keystroke runs
  // after paint, so a key pressed right after typing would otherwise send the note before it.
  const latest = useRef({ note, busy: false });
  latest.current.note = note;
  const send = async (label: "fraud" | "legit") => {
    if (latest.current.busy) return;
    latest.current.busy = true;
    setBusy(true);
    const text = latest.current.note.trim();
    try {
      await post(`/decisions/${encodeURIComponent(props.id)}/label`, { label, ...(text ? { note: text } : {}) });
      // the labelled decision has left the queue: its first item is the next one to look at
      const filters = filtersOf(props.search);
      const next = await get<QueuePage>(withQuery("/queue", new URLSearchParams([...filters, ["limit", "1"]])));
      const first = next.items[0];
      navigate(
        first ? withQuery(`/console/decisions/${encodeURIComponent(first.transactionId)}`, filters) : withQuery("/console/queue", filters),
      );
    } catch (err) {
      props.onError(err);
      latest.current.busy = false;
      setBusy(false);
    }
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "f") void send("fraud");
      else if (e.key === "l") void send("legit");
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [props.id]);
  return html`<form class="label-form" id="label-form" onSubmit=${(e: Event) => e.preventDefault()}>
    <label
      >Note (optional)
      <textarea
        name="note"
        maxlength="1000"
        value=${note}
        onInput=${(e: Event) => {
          latest.current.note = (e.target as HTMLTextAreaElement).value;
          setNote(latest.current.note);
        }}
      ></textarea>
    </label>
    <div class="buttons">
      <button type="button" class="fraud" id="label-fraud" disabled=${busy} onClick=${() => send("fraud")}>Fraud (f)</button>
      <button type="button" class="legit" id="label-legit" disabled=${busy} onClick=${() => send("legit")}>Legit (l)</button>
    </div>
  </form>`;
}

export function DecisionView(props: { id: string; search: URLSearchParams }) {
  const [detail, setDetail] = useState<Detail | undefined>();
  const [error, setError] = useState<unknown>();
  const [labelError, setLabelError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  const back = withQuery("/console/queue", filtersOf(props.search));
  useEffect(() => {
    setDetail(undefined);
    setError(undefined);
    setLabelError(undefined);
    get<Detail>(`/decisions/${encodeURIComponent(props.id)}`).then(setDetail, setError);
  }, [props.id, reload]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !typing(e)) navigate(back);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [back]);
  const chart = useMemo(() => (detail ? reasonsChart(detail.reasons) : undefined), [detail]);
  const canLabel = currentSession()?.role === "analyst";

  let body;
  if (error) body = html`<${ErrorBox} error=${error} retry=${() => setReload((n) => n + 1)} />`;
  else if (!detail || !chart) body = html`<${Loading} />`;
  else {
    const d = detail;
    body = html`<div class="decision" id="decision" data-id=${d.transactionId}>
      <section class="facts">
        <h2>Transaction</h2>
        <dl>
          <dt>Transaction</dt>
          <dd>${d.transactionId}</dd>
          <dt>Time</dt>
          <dd>${fmtTime(d.occurredAt)}</dd>
          <dt>Amount</dt>
          <dd>${fmtAmount(d.amount, d.currency)}</dd>
          <dt>Card</dt>
          <dd>${d.cardId}</dd>
          <dt>Merchant</dt>
          <dd>${d.merchantId}${d.merchantCategory ? ` (MCC ${d.merchantCategory})` : ""}</dd>
          <dt>Country · channel</dt>
          <dd>${d.country ?? "–"} · ${d.channel ?? "–"}</dd>
          <dt>Score</dt>
          <dd class="score">${fmtScore(d.score)}</dd>
          <dt>Decision</dt>
          <dd>
            <span class=${`pill ${d.decision}`}>${d.decision}</span>${d.degraded ? " (degraded: scored without the feature store)" : ""}
          </dd>
          <dt>Model</dt>
          <dd>${d.modelVersion}</dd>
        </dl>
      </section>
      <section class="reasons">
        <h2>Why: feature contributions</h2>
        ${
          d.reasons.length === 0
            ? html`<${Empty}>No feature pushed this score up.<//>`
            : html`<${ChartCanvas} config=${chart} size="short" id="reasons-chart" label="feature contributions" />
                <ul>
                  ${d.reasons.map((r) => html`<li key=${r.feature}><strong>${r.feature}</strong>: ${r.description} (+${fmtNumber(r.contribution)})</li>`)}
                </ul>`
        }
      </section>
      <section class="label">
        <h2>Label</h2>
        ${
          d.label
            ? html`<p id="current-label">
                <span class=${`pill ${d.label.label}`}>${d.label.label}</span
                >${labelledBy(d.label)}${d.label.note ? html`: <q>${d.label.note}</q>` : null}
              </p>`
            : html`<p id="current-label">No label yet.</p>`
        }
        ${labelError ? html`<${ErrorBox} error=${labelError} />` : null}
        ${canLabel ? html`<${LabelForm} id=${d.transactionId} search=${props.search} onError=${setLabelError} />` : html`<p class="hint">Viewers can read; labelling needs the analyst role.</p>`}
      </section>
      <${History} title=${`Card ${d.cardId}: recent decisions`} items=${d.cardHistory} other="merchant" search=${props.search} />
      <${History} title=${`Merchant ${d.merchantId}: recent decisions`} items=${d.merchantHistory} other="card" search=${props.search} />
    </div>`;
  }
  return html`<${Frame} active="queue"
    ><p><${Link} href=${back}>← Queue (Esc)<//></p>
    <h1>Decision</h1>
    ${body}<//
  >`;
}
