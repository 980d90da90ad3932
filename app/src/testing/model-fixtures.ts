/**
 * A small, valid registry version for tests that need a model without training one (API hot swap,
 * registry): one tree over FEATURE_NAMES that scores high when the amount is far above the card's
 * 30-day mean (a missing ratio, i.e. no history, goes to the middle leaf).
 */
import { DAY_MS } from "../features/compute";
import { FEATURE_NAMES, FEATURE_SET_VERSION } from "../features/types";
import { serializeMetadata, type EvaluationMetrics, type ModelMetadata } from "../registry/metadata";
import type { VersionFiles } from "../registry/registry";

const RATIO = FEATURE_NAMES.indexOf("amount_to_card_mean_30d");
const AMOUNT = FEATURE_NAMES.indexOf("amount");

/** XGBoost 1.7 JSON for: ratio < 5 ? (amount < 1000 ? low : mid) : high; missing ratio -> left. */
export function testModelJson(leaves: { low: number; mid: number; high: number } = { low: -3, mid: 0, high: 3 }): string {
  return JSON.stringify({
    version: [1, 7, 4],
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      objective: { name: "binary:logistic", reg_loss_param: { scale_pos_weight: "1" } },
      learner_model_param: {
        base_score: "5E-1",
        boost_from_average: "1",
        num_class: "0",
        num_feature: String(FEATURE_NAMES.length),
        num_target: "1",
      },
      gradient_booster: {
        name: "gbtree",
        model: {
          gbtree_model_param: { num_trees: "1", size_leaf_vector: "0" },
          tree_info: [0],
          trees: [
            {
              id: 0,
              tree_param: { num_deleted: "0", num_feature: String(FEATURE_NAMES.length), num_nodes: "5", size_leaf_vector: "0" },
              left_children: [1, 3, -1, -1, -1],
              right_children: [2, 4, -1, -1, -1],
              parents: [2147483647, 0, 0, 1, 1],
              split_indices: [RATIO, AMOUNT, 0, 0, 0],
              split_conditions: [5, 1000, leaves.high, leaves.low, leaves.mid],
              default_left: [1, 0, 0, 0, 0],
              split_type: [0, 0, 0, 0, 0],
              base_weights: [0, 0, leaves.high, leaves.low, leaves.mid],
              loss_changes: [10, 2, 0, 0, 0],
              sum_hessian: [100, 90, 10, 80, 10],
              categories: [],
              categories_nodes: [],
              categories_segments: [],
              categories_sizes: [],
            },
          ],
        },
      },
    },
  });
}

const METRICS: EvaluationMetrics = {
  auc: 0.9,
  averagePrecision: 0.6,
  cardPrecisionAt100: 0.3,
  recallAt1PctFpr: 0.5,
  rows: 1000,
  frauds: 20,
};

export function testMetadata(version: string, over: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    version,
    featureNames: [...FEATURE_NAMES],
    featureSetVersion: FEATURE_SET_VERSION,
    thresholds: { review: 0.5, decline: 0.9 },
    metrics: METRICS,
    baselineMetrics: { ...METRICS, auc: 0.8, averagePrecision: 0.4 },
    dataWindow: { trainStart: "2018-07-25", trainEnd: "2018-07-31", testStart: "2018-08-08", testEnd: "2018-08-14" },
    gitCommit: "0000000000000000000000000000000000000000",
    trainedAt: "2024-01-01T00:00:00.000Z",
    labelDelayDays: 7,
    featureConfig: { timezone: "UTC", labelDelayMs: 7 * DAY_MS },
    ...over,
  };
}

/** model.json + metadata.json (+ a one-page report) for `putVersion`. */
export function testVersionFiles(version: string, over: Partial<ModelMetadata> = {}, modelJson = testModelJson()): VersionFiles {
  return {
    "model.json": modelJson,
    "metadata.json": serializeMetadata(testMetadata(version, over)),
    "report/index.html": `<!doctype html><title>${version}</title>`,
  };
}
