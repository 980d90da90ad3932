/**
 * The model being served, swapped in place when the registry's manifest names a new production
 * version, and the challenger the manifest names beside it (docs/model-ops.md). A request reads
 * `current` and `challenger` once and scores with those objects to the end, so a swap of either
 * never drops or mixes a request. A version that fails to load or validate is refused: the previous
 * model keeps serving, the failure is logged and counted, and that version is not retried until
 * the manifest names another one.
 */
import type { LoadedModel } from "../registry/load";
import { loadModelVersion } from "../registry/load";
import { type ScoreWithReasons, scoreWithReasons } from "../model/reasons";
import type { LatestComparison } from "../registry/comparison";
import { pairSince, type Challenger, type ModelRegistry } from "../registry/registry";
import type { ServingChallenger } from "./challenger";
import type { FeatureConfig } from "../features/types";
import type { DecisionOutcome } from "../domain/decision";
import type { Thresholds } from "./config";
import { errorMessage, type Logger } from "./log";
import type { Metrics } from "./metrics";

export interface ModelSource {
  /**
   * The versions the manifest names: production (undefined when there is none yet) and the
   * challenger, with when that pair began.
   */
  manifest(): Promise<{ readonly production?: string; readonly challenger?: Challenger; readonly pairSince?: string }>;
  /** Reads and validates a version (feature names must be the ones this build computes). */
  load(version: string): Promise<LoadedModel>;
  /** The pair's latest comparison (trainer compare); undefined when there is none. */
  comparison?(champion: string, challenger: string): Promise<LatestComparison | undefined>;
}

export function registrySource(registry: ModelRegistry): ModelSource {
  return {
    manifest: async () => {
      const m = await registry.readManifest();
      return { production: m.production ?? undefined, challenger: m.challenger, pairSince: pairSince(m) };
    },
    load: (version) => loadModelVersion(registry, version),
    comparison: (champion, challenger) => registry.readLatestComparison(champion, challenger),
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

  /** Probability of fraud alone: one walk of the trees, no reasons. */
  probability(features: Float64Array): number {
    return this.loaded.model.predict(features);
  }

  decide(score: number): DecisionOutcome {
    return score >= this.thresholds.decline ? "decline" : score >= this.thresholds.review ? "review" : "approve";
  }
}

export class ModelHolder {
  private model: PreparedModel | undefined;
  private refused: string | undefined;
  private serving: ServingChallenger | undefined;
  private refusedChallenger: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The last comparison read failure logged, so a bad file is not logged on every poll. */
  private comparisonError: string | undefined;

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

  /** The challenger scored beside `current`, if the manifest names one and it loaded. */
  get challenger(): ServingChallenger | undefined {
    return this.serving;
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
    let challenger: Challenger | undefined;
    let since: string | undefined;
    try {
      ({ production: version, challenger, pairSince: since } = await this.source.manifest());
    } catch (err) {
      this.log.warn("model manifest unreadable; keeping the current model", { error: errorMessage(err), serving: this.model?.version });
      return;
    }
    await this.checkProduction(version);
    await this.checkChallenger(challenger);
    // every poll, not only on a swap: a decision scored by the old model during the swap re-creates its row
    this.metrics.retainVariantVersions(this.model?.version, this.serving?.model.version);
    await this.checkComparison(version, challenger?.version, since);
  }

  /**
   * The manifest's pair and its latest comparison, as gauges. Read on every poll: the comparison
   * is replaced daily under the same name. Whether the challenger loaded does not matter here: the
   * comparison is of what the decision log recorded.
   */
  private async checkComparison(champion: string | undefined, challenger: string | undefined, since: string | undefined): Promise<void> {
    if (champion === undefined || challenger === undefined) {
      this.metrics.challengerComparison.set(undefined, undefined);
      return;
    }
    const pair = { champion, challenger, since };
    let comparison: LatestComparison | undefined;
    try {
      comparison = await this.source.comparison?.(champion, challenger);
      this.comparisonError = undefined;
    } catch (err) {
      const error = errorMessage(err);
      if (error !== this.comparisonError) this.log.warn("challenger comparison unreadable; not exported", { champion, challenger, error });
      this.comparisonError = error;
    }
    this.metrics.challengerComparison.set(pair, comparison);
  }

  private async checkChallenger(c: Challenger | undefined): Promise<void> {
    const current = this.serving;
    if (!c) {
      if (current) this.log.info("challenger cleared", { modelVersion: current.model.version });
      this.serving = undefined;
      this.refusedChallenger = undefined;
      this.metrics.setChallenger(undefined);
      return;
    }
    if (current?.model.version === c.version) {
      // same model, another mode or share: no reload
      if (current.mode !== c.mode || current.share !== c.share) {
        this.serving = { model: current.model, mode: c.mode, share: c.share };
        this.metrics.setChallenger(this.serving);
        this.log.info("challenger mode changed", { modelVersion: c.version, mode: c.mode, share: c.share });
      }
      return;
    }
    if (c.version === this.refusedChallenger) return;
    try {
      const model = new PreparedModel(await this.source.load(c.version), this.thresholds);
      this.serving = { model, mode: c.mode, share: c.share };
      this.refusedChallenger = undefined;
      this.metrics.setChallenger(this.serving);
      this.log.info("challenger loaded", { modelVersion: c.version, mode: c.mode, share: c.share, previous: current?.model.version });
    } catch (err) {
      this.refusedChallenger = c.version;
      this.metrics.modelLoadFailures.inc();
      // a challenger that cannot load is not scored; the champion serves alone
      this.serving = undefined;
      this.metrics.setChallenger(undefined);
      this.log.error("challenger refused; scoring with production alone", { modelVersion: c.version, error: errorMessage(err) });
    }
  }

  private async checkProduction(version: string | undefined): Promise<void> {
    if (version === undefined || version === this.model?.version || version === this.refused) return;
    try {
      const prepared = new PreparedModel(await this.source.load(version), this.thresholds);
      const trained = prepared.loaded.metadata.featureConfig;
      if (trained.timezone !== this.features.timezone || trained.labelDelayMs !== this.features.labelDelayMs) {
        // Serving would compute night/weekend or label visibility differently from training.
        this.log.warn("model was trained with another feature config than this API uses", {
          modelVersion: version,
          trained,
          serving: this.features,
        });
      }
      const previous = this.model?.version;
      this.model = prepared;
      this.refused = undefined;
      this.metrics.setModel(version);
      this.log.info(previous ? "model swapped" : "model loaded", { modelVersion: version, previous, thresholds: prepared.thresholds });
    } catch (err) {
      this.refused = version;
      this.metrics.modelLoadFailures.inc();
      this.log.error("model refused; keeping the current model", {
        modelVersion: version,
        error: errorMessage(err),
        serving: this.model?.version,
      });
    }
  }
}
