/**
 * What the registry records next to each model: enough to score with it (feature order,
 * thresholds, feature config) and to judge it (metrics beside the baseline's, data window, commit).
 */
import { assertHistogram, type Histogram } from "../features/distribution";
import type { FeatureConfig } from "../features/types";

/** Test-window metrics, as `npm run evaluate -- --json` prints them (computed in app/src/trainer/metrics.ts). */
export interface EvaluationMetrics {
  /** Area under the ROC curve (ties count one half, as in the Mann-Whitney statistic). */
  readonly auc: number;
  /** Sum over distinct thresholds of (recall step) x precision, as scikit-learn defines it. */
  readonly averagePrecision: number;
  /** Share of frauded cards among the 100 riskiest cards of each day, averaged over days. */
  readonly cardPrecisionAt100: number;
  /** Highest recall among thresholds whose false-positive rate is at most 1%. */
  readonly recallAt1PctFpr: number;
  readonly rows: number;
  readonly frauds: number;
}

export interface DataWindow {
  /** Inclusive UTC dates, YYYY-MM-DD. */
  readonly trainStart: string;
  readonly trainEnd: string;
  readonly testStart: string;
  readonly testEnd: string;
}

/**
 * What live traffic is compared with to detect drift (app/src/serving/drift-monitor.ts). The
 * feature histograms are the training window's (what the model learnt from); the score's and the
 * decision rates are the test window's, since in-sample scores are over-confident.
 */
export interface ReferenceDistributions {
  /** By feature name, every name of `featureNames`. */
  readonly features: Readonly<Record<string, Histogram>>;
  readonly featureRows: number;
  readonly score: Histogram;
  readonly scoreRows: number;
  /** Shares of the test window decided review (review <= score < decline) and decline at the model's thresholds. */
  readonly rates: { readonly review: number; readonly decline: number };
}

export interface ModelMetadata {
  readonly version: string;
  /** The model's input order. */
  readonly featureNames: readonly string[];
  /** The feature definitions it was trained for (features/types FEATURE_SET_VERSION); absent on models older than the field. */
  readonly featureSetVersion?: string;
  /** Score cut-offs: >= review is reviewed, >= decline is declined. */
  readonly thresholds: { readonly review: number; readonly decline: number };
  readonly metrics: EvaluationMetrics;
  /** The logistic-regression baseline on the same features and window. */
  readonly baselineMetrics: EvaluationMetrics;
  readonly dataWindow: DataWindow;
  readonly gitCommit: string;
  /** ISO 8601 timestamp. */
  readonly trainedAt: string;
  readonly labelDelayDays: number;
  readonly featureConfig: FeatureConfig;
  /** Absent on models trained before drift monitoring: their traffic is not compared. */
  readonly reference?: ReferenceDistributions;
}

export class MetadataError extends Error {
  override readonly name = "MetadataError";
}

const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Versions name directories and S3 keys: letters, digits, '.', '_', '-'; no '..' tricks. */
export function assertVersionName(version: string): void {
  if (typeof version !== "string" || !VERSION_RE.test(version) || version.includes("..")) {
    throw new MetadataError(
      `invalid model version ${JSON.stringify(version)}: use 1-128 of [A-Za-z0-9._-], starting with a letter or digit`,
    );
  }
}

function fail(path: string, expected: string, got: unknown): never {
  throw new MetadataError(`metadata.${path}: expected ${expected}, got ${JSON.stringify(got)}`);
}

function field(o: Record<string, unknown>, key: string, path: string): unknown {
  if (!(key in o)) throw new MetadataError(`metadata.${path}${key}: missing`);
  return o[key];
}

function record(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "an object", v);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, path = ""): string {
  const v = field(o, key, path);
  if (typeof v !== "string" || v.length === 0) fail(path + key, "a non-empty string", v);
  return v;
}

function number(o: Record<string, unknown>, key: string, path = "", min = -Infinity, max = Infinity): number {
  const v = field(o, key, path);
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) fail(path + key, `a number in [${min}, ${max}]`, v);
  return v;
}

function metrics(v: unknown, path: string): EvaluationMetrics {
  const o = record(v, path);
  const p = `${path}.`;
  // NaN is not JSON: a metric that cannot be computed (no fraud in the window) is written as null
  const metric = (k: string) => (o[k] === null ? Number.NaN : number(o, k, p, 0, 1));
  return {
    auc: metric("auc"),
    averagePrecision: metric("averagePrecision"),
    cardPrecisionAt100: metric("cardPrecisionAt100"),
    recallAt1PctFpr: metric("recallAt1PctFpr"),
    rows: number(o, "rows", p, 0),
    frauds: number(o, "frauds", p, 0),
  };
}

function reference(v: unknown, featureNames: readonly string[]): ReferenceDistributions {
  const o = record(v, "reference");
  const fs = record(field(o, "features", "reference."), "reference.features");
  const features: Record<string, Histogram> = {};
  for (const name of featureNames) {
    const h = field(fs, name, "reference.features.");
    try {
      assertHistogram(h, `metadata.reference.features.${name}`);
    } catch (err) {
      throw new MetadataError((err as Error).message);
    }
    features[name] = h;
  }
  const score = field(o, "score", "reference.");
  try {
    assertHistogram(score, "metadata.reference.score");
  } catch (err) {
    throw new MetadataError((err as Error).message);
  }
  const r = record(field(o, "rates", "reference."), "reference.rates");
  return {
    features,
    featureRows: number(o, "featureRows", "reference.", 0),
    score,
    scoreRows: number(o, "scoreRows", "reference.", 0),
    rates: { review: number(r, "review", "reference.rates.", 0, 1), decline: number(r, "decline", "reference.rates.", 0, 1) },
  };
}

/** Parses and checks metadata.json; `expectedVersion` must match its `version`. */
export function parseMetadata(json: string | unknown, expectedVersion?: string): ModelMetadata {
  let doc = json;
  if (typeof json === "string") {
    try {
      doc = JSON.parse(json);
    } catch (err) {
      throw new MetadataError(`metadata is not valid JSON: ${(err as Error).message}`);
    }
  }
  const o = record(doc, "(root)");
  const version = str(o, "version");
  assertVersionName(version);
  if (expectedVersion !== undefined && version !== expectedVersion) {
    throw new MetadataError(`metadata.version is ${JSON.stringify(version)} but the model is stored as ${JSON.stringify(expectedVersion)}`);
  }
  const names = field(o, "featureNames", "");
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string" || n === "")) {
    fail("featureNames", "a non-empty array of names", names);
  }
  if (new Set(names).size !== names.length) fail("featureNames", "distinct names", names);
  const th = record(field(o, "thresholds", ""), "thresholds");
  const review = number(th, "review", "thresholds.", 0, 1);
  const decline = number(th, "decline", "thresholds.", 0, 1);
  if (review > decline) throw new MetadataError(`metadata.thresholds: review (${review}) must not exceed decline (${decline})`);
  const w = record(field(o, "dataWindow", ""), "dataWindow");
  const dataWindow: DataWindow = {
    trainStart: str(w, "trainStart", "dataWindow."),
    trainEnd: str(w, "trainEnd", "dataWindow."),
    testStart: str(w, "testStart", "dataWindow."),
    testEnd: str(w, "testEnd", "dataWindow."),
  };
  for (const [k, d] of Object.entries(dataWindow)) if (!DATE_RE.test(d)) fail(`dataWindow.${k}`, "a YYYY-MM-DD date", d);
  const trainedAt = str(o, "trainedAt");
  if (Number.isNaN(Date.parse(trainedAt))) fail("trainedAt", "an ISO 8601 timestamp", trainedAt);
  const fc = record(field(o, "featureConfig", ""), "featureConfig");
  const featureSet = o.featureSetVersion;
  if (featureSet !== undefined && (typeof featureSet !== "string" || featureSet === ""))
    fail("featureSetVersion", "a non-empty string", featureSet);
  return {
    version,
    featureNames: names as string[],
    ...(featureSet !== undefined ? { featureSetVersion: featureSet as string } : {}),
    thresholds: { review, decline },
    metrics: metrics(field(o, "metrics", ""), "metrics"),
    baselineMetrics: metrics(field(o, "baselineMetrics", ""), "baselineMetrics"),
    dataWindow,
    gitCommit: str(o, "gitCommit"),
    trainedAt,
    labelDelayDays: number(o, "labelDelayDays", "", 0),
    featureConfig: { timezone: str(fc, "timezone", "featureConfig."), labelDelayMs: number(fc, "labelDelayMs", "featureConfig.", 0) },
    ...(o.reference !== undefined ? { reference: reference(o.reference, names as string[]) } : {}),
  };
}

/** metadata.json text; NaN metrics (nothing to measure) become null. */
export function serializeMetadata(m: ModelMetadata): string {
  return `${JSON.stringify(m, (_k, v: unknown) => (typeof v === "number" && Number.isNaN(v) ? null : v), 2)}\n`;
}
