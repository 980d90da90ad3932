/**
 * The drift gauges (names are a contract with infra/workloads alerts and dashboard), read from the
 * drift monitor when Prometheus scrapes, never per transaction.
 */
import { Gauge, type Registry } from "prom-client";
import { expectedBand, type DriftSnapshot } from "./drift-monitor";

/** Several gauges read one snapshot per scrape: computed once, reused for this long. */
const SNAPSHOT_TTL_MS = 1000;

export function registerDriftMetrics(registry: Registry, read: () => DriftSnapshot | undefined): void {
  let cached: DriftSnapshot | undefined;
  let cachedAt = Number.NEGATIVE_INFINITY;
  const snapshot = (): DriftSnapshot | undefined => {
    const now = Date.now();
    if (now - cachedAt >= SNAPSHOT_TTL_MS) {
      cached = read();
      cachedAt = now;
    }
    return cached;
  };
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: DriftSnapshot) => void) => {
    const g: Gauge<L> = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect: () => {
        g.reset();
        const s = snapshot();
        if (s) fill(g, s);
      },
    });
  };
  gauge(
    "fraud_feature_psi",
    "Population stability index of each feature over the window against the served model's training window (absent below the window's minimum of transactions).",
    ["feature", "window"],
    (g, s) => {
      for (const w of s.windows) for (const [feature, v] of w.featurePsi) g.labels(feature, w.window).set(v);
    },
  );
  gauge(
    "fraud_score_psi",
    "Population stability index of the score over the window against the served model's test window (absent below the window's minimum).",
    ["window"],
    (g, s) => {
      for (const w of s.windows) if (!Number.isNaN(w.scorePsi)) g.labels(w.window).set(w.scorePsi);
    },
  );
  gauge(
    "fraud_decision_rate",
    "Share of the window's decisions that are review or decline (absent below the window's minimum).",
    ["decision", "window"],
    (g, s) => {
      for (const w of s.windows) {
        if (Number.isNaN(w.rates.decline)) continue;
        g.labels("review", w.window).set(w.rates.review);
        g.labels("decline", w.window).set(w.rates.decline);
      }
    },
  );
  gauge(
    "fraud_decision_rate_expected",
    "Share of review and decline decisions the served model made on its test window, at its thresholds (absent when the serving thresholds differ).",
    ["decision"],
    (g, s) => {
      if (!s.expectedRates) return;
      g.labels("review").set(s.expectedRates.review);
      g.labels("decline").set(s.expectedRates.decline);
    },
  );
  gauge(
    "fraud_decision_rate_band",
    "Bounds (bound=low|high) of the band each window's review and decline rate is expected in: the expected rate within a factor 2, widened by 3 binomial standard deviations for the window's transactions.",
    ["decision", "window", "bound"],
    (g, s) => {
      const expected = s.expectedRates;
      if (!expected) return;
      for (const w of s.windows) {
        if (Number.isNaN(w.rates.decline)) continue;
        for (const decision of ["review", "decline"] as const) {
          const band = expectedBand(expected[decision], w.transactions);
          g.labels(decision, w.window, "low").set(band.low);
          g.labels(decision, w.window, "high").set(band.high);
        }
      }
    },
  );
  gauge("fraud_drift_window_transactions", "Transactions this replica counted in each drift window.", ["window"], (g, s) => {
    for (const w of s.windows) g.labels(w.window).set(w.transactions);
  });
}
