/**
 * Prometheus metrics. The names are a contract with the monitoring dashboards and alerts: do not
 * rename. One registry per process (not prom-client's global) so tests can build several servers.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { DECISIONS, type DecisionOutcome } from "../domain/decision";
import { ChallengerComparisonGauges } from "./challenger-metrics";
import { registerDriftMetrics } from "./drift-metrics";
import type { DriftSnapshot } from "./drift-monitor";
import { HotCounter, HotHistogram, HotVariantCounter } from "./hot-metrics";
import { CHALLENGER_METRICS } from "../config/deploy-contract";
import type { ChallengerScores } from "../store/decision-record";

export interface HttpObserver {
  /** Counts one request and its latency in seconds. */
  observe(seconds: number): void;
}

export interface Sizes {
  readonly decisionBuffer: () => number;
  readonly featureBackfill: () => number;
}

/** A gauge that reads `read()` at each scrape. */
function sizeGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  const gauge: Gauge = new Gauge({ name, help, registers: [registry], collect: (): void => gauge.set(read()) });
  return gauge;
}

export class Metrics {
  readonly registry = new Registry();
  /** http_request_duration_seconds, and http_requests_total as its count. */
  private readonly httpDuration = new HotHistogram(
    this.registry,
    "http_request_duration_seconds",
    "HTTP request latency by route template, method and status code.",
    ["route", "method", "status"],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  private readonly decisions = new HotCounter<DecisionOutcome>(
    this.registry,
    "fraud_decisions_total",
    "Decisions by outcome (replayed idempotent decisions are not counted again).",
    "decision",
    DECISIONS,
  );
  private readonly variants = new HotVariantCounter<DecisionOutcome>(
    this.registry,
    CHALLENGER_METRICS.variantDecisions,
    "Decisions of the champion and the challenger while one is set, by role, model version, whether the client got that answer (served) and decision.",
    DECISIONS,
  );
  private readonly score = new HotHistogram(
    this.registry,
    "fraud_score",
    "Distribution of model scores.",
    [],
    [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
  ).series();
  readonly modelInfo = new Gauge({
    name: "fraud_model_info",
    help: "The model version being served (value 1).",
    labelNames: ["version"] as const,
    registers: [this.registry],
  });
  readonly challengerInfo = new Gauge({
    name: "fraud_challenger_info",
    help: "The challenger scored beside production (value: the share of cards it answers for; 0 in shadow mode).",
    labelNames: ["version", "mode"] as const,
    registers: [this.registry],
  });
  /** The current pair's latest comparison (set on each manifest poll). */
  readonly challengerComparison = new ChallengerComparisonGauges(this.registry);
  readonly modelLoaded = new Gauge({
    name: "fraud_model_loaded",
    help: "1 when a model is loaded and serving.",
    registers: [this.registry],
  });
  readonly modelLoadFailures = new Counter({
    name: "fraud_model_load_failures_total",
    help: "Model versions that failed to load or validate (the previous model kept serving).",
    registers: [this.registry],
  });
  readonly featureStoreErrors = new Counter({
    name: "fraud_feature_store_errors_total",
    help: "Feature-store (Redis) calls that failed or timed out.",
    registers: [this.registry],
  });
  readonly degraded = new Counter({
    name: "fraud_degraded_total",
    help: "Transactions scored without the feature store (degraded: true).",
    registers: [this.registry],
  });
  /** What the size gauges read at each scrape (see sizesFrom), rather than being set on every change. */
  private sizes: Sizes = { decisionBuffer: () => 0, featureBackfill: () => 0 };
  /** What the drift gauges read at each scrape (see driftFrom). */
  private drift: () => DriftSnapshot | undefined = () => undefined;
  readonly backfillDropped = new Counter({
    name: "fraud_feature_backfill_dropped_total",
    help: "Degraded transactions dropped from the feature-store backfill (full, or unrecorded at shutdown).",
    registers: [this.registry],
  });
  readonly bufferRejections = new Counter({
    name: "fraud_decision_buffer_rejections_total",
    help: "Transactions refused with 503 because the decision buffer was full.",
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: "fraud_rate_limited_total",
    help: "Requests refused with 429.",
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: "fraud_decisions_dead_lettered_total",
    help: "Decisions PostgreSQL refused, set aside so the rest of their batch was written: to the decisions_dead_letter table (to=table) or, when that refused them too, only to the log, whole (to=log).",
    labelNames: ["to"] as const,
    registers: [this.registry],
  });
  readonly unwritten = new Counter({
    name: "fraud_decisions_unwritten_total",
    help: "Decisions still unwritten at shutdown (logged as JSON lines for recovery).",
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.httpDuration.countAs(this.registry, "http_requests_total", "HTTP requests by route template, method and status code.");
    sizeGauge(this.registry, "fraud_decision_buffer_size", "Decisions held in memory, not yet written to PostgreSQL.", () =>
      this.sizes.decisionBuffer(),
    );
    sizeGauge(
      this.registry,
      "fraud_feature_backfill_size",
      "Transactions scored degraded and not yet recorded in the feature store (recorded once it answers).",
      () => this.sizes.featureBackfill(),
    );
    registerDriftMetrics(this.registry, () => this.drift());
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.modelLoaded.set(0);
  }

  /** The series counting requests and their latency (seconds) for this route, method and status. */
  http(route: string, method: string, status: number): HttpObserver {
    return this.httpDuration.series(route, method, String(status));
  }

  decision(outcome: DecisionOutcome, score: number): void {
    this.decisions.inc(outcome);
    this.score.observe(score);
  }

  /** Both models' decisions on a transaction scored beside a challenger. */
  variantDecisions(c: ChallengerScores, challengerServed: boolean): void {
    this.variants.inc("champion", c.championVersion, !challengerServed, c.championDecision);
    this.variants.inc("challenger", c.challengerVersion, challengerServed, c.challengerDecision);
  }

  /** Stops exporting the decisions of models no longer served (after a swap of either model). */
  retainVariantVersions(champion: string | undefined, challenger: string | undefined): void {
    this.variants.retain([champion, challenger]);
  }

  /** The size gauges report these when scraped. */
  sizesFrom(sizes: Sizes): void {
    this.sizes = sizes;
  }

  /** The drift gauges report this snapshot when scraped. */
  driftFrom(read: () => DriftSnapshot | undefined): void {
    this.drift = read;
  }

  setChallenger(c: { readonly model: { readonly version: string }; readonly mode: string; readonly share: number } | undefined): void {
    this.challengerInfo.reset();
    if (c) this.challengerInfo.labels(c.model.version, c.mode).set(c.share);
  }

  setModel(version: string | undefined): void {
    this.modelInfo.reset();
    if (version !== undefined) this.modelInfo.labels(version).set(1);
    this.modelLoaded.set(version === undefined ? 0 : 1);
  }
}
