/**
 * The review queue: unlabelled review (and decline) decisions, filters in the URL, keyboard:
 * j/↓ and k/↑ move, Enter or o opens, n and p page, r reloads, / goes to the filters.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { QueuePage } from "../wire";
import { get } from "./api";
import { fmtAmount, fmtScore, fmtTime, fromLocalInput, toLocalInput } from "./format";
import { Empty, ErrorBox, Frame, html, Link, Loading, navigate, typing } from "./ui";

/** The filter fields kept in the URL; `after` (the page) is kept apart. */
export const FILTER_KEYS = ["decision", "sort", "minScore", "maxScore", "merchant", "card", "model", "from", "to"] as const;

export function filtersOf(search: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = search.get(k);
    if (v) out.set(k, v);
  }
  return out;
}

export function withQuery(path: string, q: URLSearchParams): string {
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function Filters(props: { search: URLSearchParams }) {
  const f = props.search;
  const apply = (e: SubmitEvent) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    const decisions = form.getAll("decision").map(String);
    if (decisions.length && decisions.join(",") !== "review") q.set("decision", decisions.join(","));
    for (const k of ["sort", "minScore", "maxScore", "merchant", "card", "model"]) {
      const v = String(form.get(k) ?? "").trim();
      if (v && !(k === "sort" && v === "newest")) q.set(k, v);
    }
    for (const k of ["from", "to"]) {
      const v = fromLocalInput(String(form.get(k) ?? ""));
      if (v) q.set(k, v);
    }
    navigate(withQuery("/console/queue", q));
  };
  const decisions = (f.get("decision") ?? "review").split(",");
  return html`<form class="filters" id="filters" onSubmit=${apply}>
    <fieldset>
      <legend>Decision</legend>
      <label><input type="checkbox" name="decision" value="review" checked=${decisions.includes("review")} /> review</label>
      <label><input type="checkbox" name="decision" value="decline" checked=${decisions.includes("decline")} /> decline</label>
    </fieldset>
    <label
      >Order
      <select name="sort" value=${f.get("sort") ?? "newest"}>
        <option value="newest">newest first</option>
        <option value="riskiest">riskiest first</option>
      </select></label
    >
    <label>Score from <input name="minScore" type="number" min="0" max="1" step="0.01" value=${f.get("minScore") ?? ""} /></label>
    <label>to <input name="maxScore" type="number" min="0" max="1" step="0.01" value=${f.get("maxScore") ?? ""} /></label>
    <label>Merchant <input name="merchant" value=${f.get("merchant") ?? ""} /></label>
    <label>Card <input name="card" value=${f.get("card") ?? ""} /></label>
    <label>Model <input name="model" value=${f.get("model") ?? ""} /></label>
    <label>From <input name="from" type="datetime-local" value=${toLocalInput(f.get("from"))} /></label>
    <label>To <input name="to" type="datetime-local" value=${toLocalInput(f.get("to"))} /></label>
    <button type="submit">Apply</button>
    <${Link} href="/console/queue">Clear<//>
  </form>`;
}

export function QueueView(props: { search: URLSearchParams }) {
  const search = props.search;
  const key = search.toString();
  const [page, setPage] = useState<QueuePage | undefined>();
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState(0);
  const [reload, setReload] = useState(0);
  const filters = filtersOf(search);

  useEffect(() => {
    setPage(undefined);
    setError(undefined);
    setSelected(0);
    const q = new URLSearchParams(filters);
    const after = search.get("after");
    if (after) q.set("after", after);
    get<QueuePage>(withQuery("/queue", q)).then(setPage, setError);
  }, [key, reload]);

  const items = page?.items ?? [];
  const open = (i: number) => items[i] && navigate(withQuery(`/console/decisions/${encodeURIComponent(items[i].transactionId)}`, filters));
  // The key handler reads the latest state through this ref: bound in an effect (run after paint),
  // a key pressed right after another would otherwise act on the state before it.
  const latest = useRef({ items, selected, page, open });
  latest.current = { items, selected, page, open };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const l = latest.current;
      const move = (to: number) => {
        l.selected = Math.max(0, Math.min(to, Math.max(l.items.length - 1, 0)));
        setSelected(l.selected);
      };
      if (e.key === "j" || e.key === "ArrowDown") move(l.selected + 1);
      else if (e.key === "k" || e.key === "ArrowUp") move(l.selected - 1);
      else if (e.key === "Enter" || e.key === "o") l.open(l.selected);
      else if (e.key === "n" && l.page?.next)
        navigate(withQuery("/console/queue", new URLSearchParams([...filters, ["after", l.page.next]])));
      else if (e.key === "p" && search.get("after")) history.back();
      else if (e.key === "r") setReload((n) => n + 1);
      else if (e.key === "/") (document.querySelector("#filters input[name=merchant]") as HTMLInputElement | null)?.focus();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [key]);
  useEffect(() => {
    document.querySelector("tr.selected")?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  let body;
  if (error) body = html`<${ErrorBox} error=${error} retry=${() => setReload((n) => n + 1)} />`;
  else if (!page) body = html`<${Loading} />`;
  else if (items.length === 0)
    body = html`<${Empty}
      ><p>
        ${search.get("after") ? "No more decisions on this page." : "Nothing to review: no unlabelled decision matches these filters."}
      </p>
      <p>
        ${filters.toString() ? html`<${Link} href="/console/queue">Clear the filters<//>${" to see the whole queue."}` : "New ones appear as transactions are scored."}
      </p><//
    >`;
  else
    body = html`<table class="queue" id="queue">
        <thead>
          <tr>
            <th>Time</th>
            <th>Score</th>
            <th>Decision</th>
            <th class="num">Amount</th>
            <th>Card</th>
            <th>Merchant</th>
            <th>Channel</th>
            <th>Model</th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (it, i) =>
              html`<tr
                key=${it.transactionId}
                class=${i === selected ? "selected" : ""}
                data-id=${it.transactionId}
                aria-selected=${i === selected}
                onClick=${() => open(i)}
              >
                <td>${fmtTime(it.occurredAt)}</td>
                <td class="num">${fmtScore(it.score)}</td>
                <td><span class=${`pill ${it.decision}`}>${it.decision}</span></td>
                <td class="num">${fmtAmount(it.amount, it.currency)}</td>
                <td>${it.cardId}</td>
                <td>${it.merchantId}</td>
                <td>${it.channel ?? "–"}</td>
                <td>${it.modelVersion}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <div class="pager">
        ${search.get("after") ? html`<button onClick=${() => history.back()}>← Previous (p)</button>` : null}
        ${page.next ? html`<${Link} href=${withQuery("/console/queue", new URLSearchParams([...filters, ["after", page.next]]))} id="next-page">Next page (n) →<//>` : null}
      </div>`;
  return html`<${Frame} active="queue">
    <h1>Review queue</h1>
    <${Filters} search=${search} />
    <p class="hint">
      Keys: <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>n</kbd>/<kbd>p</kbd> page · <kbd>r</kbd> reload ·
      <kbd>/</kbd> filters
    </p>
    ${body}
  <//>`;
}
