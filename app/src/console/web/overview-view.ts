/** Decisions per hour by outcome, rates, labels and precision, and the production model with its report. */
import type { ChartConfiguration } from "chart.js";
import { useEffect, useMemo, useState } from "preact/hooks";
import { get } from "./api";
import { ChartCanvas, COLORS } from "./charts";
import { fmtHour, fmtInt, fmtPercent, fmtTime } from "./format";
import { Empty, ErrorBox, Frame, html, Link, Loading } from "./ui";

type Outcome = "approve" | "review" | "decline";
interface Precision {
  readonly labelled: number;
  readonly fraud: number;
  readonly precision: number | null;
}
interface OverviewData {
  readonly from: string;
  readonly to: string;
  readonly hourly: { hour: string; counts: Record<Outcome, number> }[];
  readonly totals: Record<Outcome, number>;
  readonly reviewRate: number | null;
  readonly declineRate: number | null;
  readonly labelsReceived: Record<"fraud" | "legit", number>;
  readonly precision: Record<"review" | "decline", Precision>;
  readonly model: { version: string; reportUrl: string } | null;
}

const WINDOWS = [
  [24, "24 hours"],
  [168, "7 days"],
  [720, "30 days"],
] as const;

function hourlyChart(o: OverviewData): ChartConfiguration<"bar"> {
  const outcomes: Outcome[] = ["approve", "review", "decline"];
  return {
    type: "bar",
    data: {
      labels: o.hourly.map((h) => fmtHour(h.hour)),
      datasets: outcomes.map((k) => ({ label: k, data: o.hourly.map((h) => h.counts[k]), backgroundColor: COLORS[k] })),
    },
    options: {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "decisions per hour" } } },
    },
  };
}

function Stat(props: { label: string; value: string; detail?: string; id?: string }) {
  return html`<div class="stat" id=${props.id}>
    <div class="value">${props.value}</div>
    <div class="label">${props.label}</div>
    ${props.detail ? html`<div class="detail">${props.detail}</div>` : null}
  </div>`;
}

export function OverviewView(props: { search: URLSearchParams }) {
  const hours = Number(props.search.get("hours") ?? 24);
  const [data, setData] = useState<OverviewData | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    setData(undefined);
    setError(undefined);
    get<OverviewData>(`/overview?hours=${hours}`).then(setData, setError);
  }, [hours, reload]);
  const chart = useMemo(() => (data ? hourlyChart(data) : undefined), [data]);

  let body;
  if (error) body = html`<${ErrorBox} error=${error} retry=${() => setReload((n) => n + 1)} />`;
  else if (!data || !chart) body = html`<${Loading} />`;
  else {
    const t = data.totals;
    const all = t.approve + t.review + t.decline;
    const p = (x: Precision) => (x.labelled ? `${fmtInt(x.fraud)} fraud of ${fmtInt(x.labelled)} labelled` : "no labelled decision yet");
    body = html`<p class="hint">From ${fmtTime(data.from)} to ${fmtTime(data.to)} (transaction time).</p>
      <div class="stats">
        <${Stat} label="decisions" value=${fmtInt(all)} id="stat-decisions" />
        <${Stat} label="review rate" value=${fmtPercent(data.reviewRate)} detail=${`${fmtInt(t.review)} reviews`} />
        <${Stat} label="decline rate" value=${fmtPercent(data.declineRate)} detail=${`${fmtInt(t.decline)} declines`} />
        <${Stat}
          label="labels received"
          value=${fmtInt(data.labelsReceived.fraud + data.labelsReceived.legit)}
          detail=${`${fmtInt(data.labelsReceived.fraud)} fraud, ${fmtInt(data.labelsReceived.legit)} legit`}
        />
        <${Stat} label="review precision" value=${fmtPercent(data.precision.review.precision)} detail=${p(data.precision.review)} />
        <${Stat} label="decline precision" value=${fmtPercent(data.precision.decline.precision)} detail=${p(data.precision.decline)} />
      </div>
      <section>
        <h2>Decisions per hour</h2>
        ${data.hourly.length ? html`<${ChartCanvas} config=${chart} id="hourly-chart" label="decisions per hour by outcome" />` : html`<${Empty}>No decision in this window: score some transactions (POST /v1/score) or pick a longer window.<//>`}
      </section>
      <section>
        <h2>Production model</h2>
        ${
          data.model
            ? html`<p>
                Model <strong>${data.model.version}</strong>${" · "}<a href=${data.model.reportUrl} target="_blank" rel="noopener"
                  >training report</a
                >
              </p>`
            : html`<${Empty}>No production model is loaded: promote one (npm run promote).<//>`
        }
      </section>`;
  }
  return html`<${Frame} active="overview"
    ><h1>Overview</h1>
    <nav class="windows">
      ${WINDOWS.map(([h, label]) => html`<${Link} href=${`/console/overview?hours=${h}`} class=${h === hours ? "active" : ""}>${label}<//> `)}
    </nav>
    ${body}<//
  >`;
}
