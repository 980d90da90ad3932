/**
 * The model being served, swapped in place when the registry's manifest names a new production
 * version. A request reads `current` once and scores with that object to the end, so a swap never
 * drops or mixes a request. A version that fails to load or validate is refused: the previous
 * model keeps serving, the failure is logged and counted, and that version is not retried until
 * the manifest names another one.
 */
import type { LoadedModel } from "../registry/load";
import { loadModelVersion } from "../registry/load";
import { type ScoreWithReasons, scoreWithReasons } from "../model/reasons";
import type { ModelRegistry } from "../registry/registry";
import type { FeatureConfig } from "../features/types";
import type { DecisionOutcome } from "../domain/decision";
import type { Thresholds } from "./config";
import { errorMessage, type Logger } from "./log";
import type { Metrics } from "./metrics";

export interface ModelSource {
  /** The version the manifest names for production, or undefined when there is none yet. */
  productionVersion(): Promise<string | undefined>;
  /** Reads and validates a version (feature names must be the ones this build computes). */
  load(version: string): Promise<LoadedModel>;
}

export function registrySource(registry: ModelRegistry): ModelSource {
  return {
    productionVersion: async () => (await registry.readManifest()).production ?? undefined,
    load: (version) => loadModelVersion(registry, version),
  };
}

const TOP_REASONS = 3;

/** A validated model with its decision thresholds, ready for the hot path. */
export class PreparedModel {
  readonly thresholds: Thresholds;

  constructor(
    readonly loaded: LoadedModel,
    overrides: Partial<Thresholds>,
  ) {
    const t = { ...loaded.metadata.thresholds, ...overrides };
    if (!(t.review >= 0 && t.review <= t.decline && t.decline <= 1)) {
      throw new Error(`model ${loaded.version}: thresholds must satisfy 0 <= review <= decline <= 1, got ${JSON.stringify(t)}`);
    }
    this.thresholds = t;
    // A model that cannot score an all-missing vector is broken: find out now, not on traffic.
    const probe = loaded.model.predict(new Float64Array(loaded.model.featureNames.length).fill(Number.NaN));
    if (!(probe >= 0 && probe <= 1))
      throw new Error(`model ${loaded.version} returned ${probe} for a probe vector (expected a probability)`);
  }

  get version(): string {
    return this.loaded.version;
  }

  /**
   * Probability of fraud for a FEATURE_NAMES vector (the loader checked the model uses that order)
   * and its top reasons, from one walk of the trees.
   */
  score(features: Float64Array): ScoreWithReasons {
    return scoreWithReasons(this.loaded.model, features, TOP_REASONS);
  }

  decide(score: number): DecisionOutcome {
    return score >= this.thresholds.decline ? "decline" : score >= this.thresholds.review ? "review" : "approve";
  }
}

export class ModelHolder {
  private model: PreparedModel | undefined;
  private refused: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly source: ModelSource,
    private readonly thresholds: Partial<Thresholds>,
    private readonly features: FeatureConfig,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  get current(): PreparedModel | undefined {
    return this.model;
  }

  /** Checks the manifest once and swaps if it names a new, valid version. */
  poll(): Promise<void> {
    this.polling ??= this.check().finally(() => (this.polling = undefined));
    return this.polling;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    let version: string | undefined;
    try {
      version = await this.source.productionVersion();
    } catch (err) {
      this.log.warn("model manifest unreadable; keeping the current model", { error: errorMessage(err), serving: this.model?.version });
      return;
    }
    if (version === undefined || version === this.model?.version || version === this.refused) return;
    try {
      const prepared = new PreparedModel(await this.source.load(version), this.thresholds);
      const trained = prepared.loaded.metadata.featureConfig;
      if (trained.timezone !== this.features.timezone || trained.labelDelayMs !== this.features.labelDelayMs) {
        // Serving would compute night/weekend or label visibility differently from training.
        this.log.warn("model was trained with another feature config than this API uses", { version, trained, serving: this.features });
      }
      const previous = this.model?.version;
      this.model = prepared;
      this.refused = undefined;
      this.metrics.setModel(version);
      this.log.info(previous ? "model swapped" : "model loaded", { version, previous, thresholds: prepared.thresholds });
    } catch (err) {
      this.refused = version;
      this.metrics.modelLoadFailures.inc();
      this.log.error("model refused; keeping the current model", { version, error: errorMessage(err), serving: this.model?.version });
    }
  }
}
