/**
 * Averaging boosters into one XGBoost model. Which candidate wins on a two-day validation window
 * is partly luck (with a few hundred validation frauds, candidates an AUC point apart swap places
 * from one seed to the next); the mean of the best few margins ranks about as well as the best of
 * them and never as badly as an unlucky pick. The average is itself an XGBoost 1.7 JSON model: the
 * trees of every member, their leaf values divided by the member count. The API, `explain` and
 * XGBoost's own CLI score it unchanged.
 */
import { ModelValidationError } from "../model/xgboost-json";

interface TreeJson {
  id: number;
  left_children: number[];
  split_conditions: number[];
  base_weights: number[];
  [key: string]: unknown;
}

interface ModelJson {
  learner: {
    learner_model_param: { base_score: string; num_feature: string; [key: string]: unknown };
    objective: { name: string; [key: string]: unknown };
    gradient_booster: {
      name: string;
      model: {
        trees: TreeJson[];
        tree_info: number[];
        gbtree_model_param: { num_trees: string; [key: string]: unknown };
        [key: string]: unknown;
      };
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

function parse(json: string, which: number): ModelJson {
  const doc = JSON.parse(json) as ModelJson;
  const booster = doc.learner?.gradient_booster;
  if (booster?.name !== "gbtree" || !Array.isArray(booster.model?.trees))
    throw new ModelValidationError(`ensemble member ${which}: not a gbtree model`);
  return doc;
}

/**
 * One model whose margin is the mean of the members' margins (they must share objective, base
 * score and feature count, as boosters trained by one `train` run do). One member is returned as
 * it is.
 */
export function averageBoosters(modelJsons: readonly string[]): string {
  if (modelJsons.length === 0) throw new Error("ensemble: no boosters to average");
  if (modelJsons.length === 1) return modelJsons[0]!;
  const docs = modelJsons.map(parse);
  const first = docs[0]!.learner;
  docs.forEach((d, i) => {
    const l = d.learner;
    const same =
      l.objective.name === first.objective.name &&
      Number(l.learner_model_param.base_score) === Number(first.learner_model_param.base_score) &&
      l.learner_model_param.num_feature === first.learner_model_param.num_feature;
    if (!same) throw new ModelValidationError(`ensemble member ${i}: objective, base_score or num_feature differs from member 0`);
  });
  const k = docs.length;
  const trees: TreeJson[] = [];
  for (const d of docs) {
    for (const t of d.learner.gradient_booster.model.trees) {
      const leaf = (i: number): boolean => t.left_children[i] === -1;
      trees.push({
        ...t,
        id: trees.length,
        // a leaf's value is its split_condition; splits keep their thresholds
        split_conditions: t.split_conditions.map((v, i) => (leaf(i) ? v / k : v)),
        base_weights: t.base_weights.map((v) => v / k),
      });
    }
  }
  const out = structuredClone(docs[0]!);
  const model = out.learner.gradient_booster.model;
  model.trees = trees;
  model.tree_info = trees.map(() => 0);
  model.gbtree_model_param.num_trees = String(trees.length);
  return stringifyModel(out);
}

/** The trees' float arrays (XGBoost's JSON reader refuses an integer literal where it expects a float). */
const FLOAT_ARRAYS = new Set(["base_weights", "loss_changes", "split_conditions", "sum_hessian"]);
const MARK = "\u0000float:";

/** JSON.stringify, except that numbers of FLOAT_ARRAYS always carry a fraction or an exponent (`0.0`, not `0`). */
function stringifyModel(doc: ModelJson): string {
  const text = JSON.stringify(doc, (key, value: unknown) =>
    FLOAT_ARRAYS.has(key) && Array.isArray(value)
      ? value.map((v: number) => `${MARK}${Number.isInteger(v) ? v.toFixed(1) : String(v)}`)
      : value,
  );
  return text.replace(/"\\u0000float:([^"]*)"/g, "$1");
}
