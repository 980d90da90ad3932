/**
 * An XGBoost 1.7 JSON model (gbtree, binary:logistic) scored in TypeScript, no native runtime.
 *
 * All trees are packed into flat typed arrays (one node index space) so a prediction is a few
 * array reads per level. The walk is XGBoost's own: at a split go left iff
 * float32(x) < split_condition (thresholds are float32), a missing value (NaN) follows
 * default_left, a leaf's value (already scaled by eta) is its split_condition; the margin starts at
 * logit(base_score) and leaves are added one tree at a time in float32, as XGBoost's CPU
 * predictor accumulates into a float vector. Matches XGBoost's predictions to ~1e-7.
 */
import { ModelValidationError, obj, parseTree, type ParsedTree } from "./xgboost-json";

export interface Explanation {
  /** Probability of fraud, as `predict`. */
  readonly score: number;
  /** Log-odds of `score`. */
  readonly margin: number;
  /** The margin before any feature is known: logit(base_score) + sum of the tree root means. */
  readonly bias: number;
  /** Per feature (model input order), its share of `margin - bias`; they sum to it. */
  readonly contributions: Float64Array;
}

export interface FeatureImportance {
  readonly feature: string;
  /** Sum of the loss reduction of the feature's splits. */
  readonly gain: number;
  /** Sum of the hessian (cover) of the rows at the feature's splits. */
  readonly cover: number;
  readonly splits: number;
}

/** The probability for a margin, as `predict` computes it. */
export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

export class XGBoostModel {
  /** Node arrays over all trees; child indices are global. */
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly feature: Int32Array;
  /** float32 thresholds at splits, float32 leaf values at leaves. */
  private readonly value: Float32Array;
  private readonly defaultLeft: Uint8Array;
  /** Cover-weighted mean leaf value under each node (for `explain`). */
  private readonly nodeMean: Float64Array;
  private readonly roots: Int32Array;
  private readonly gain: Float64Array;
  private readonly cover: Float64Array;
  /** float32 logit(base_score). */
  readonly baseMargin: number;
  /** The margin before any feature is known (see `Explanation.bias`). */
  private readonly bias: number;

  private constructor(
    readonly featureNames: readonly string[],
    trees: readonly ParsedTree[],
    baseScore: number,
  ) {
    const total = trees.reduce((n, t) => n + t.left.length, 0);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.feature = new Int32Array(total);
    this.value = new Float32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.nodeMean = new Float64Array(total);
    this.gain = new Float64Array(total);
    this.cover = new Float64Array(total);
    this.roots = new Int32Array(trees.length);
    let base = 0;
    trees.forEach((t, ti) => {
      this.roots[ti] = base;
      for (let i = 0; i < t.left.length; i++) {
        const leaf = t.left[i] === -1;
        this.left[base + i] = leaf ? -1 : base + t.left[i];
        this.right[base + i] = leaf ? -1 : base + t.right[i];
        this.feature[base + i] = t.split[i];
        this.value[base + i] = t.condition[i];
        this.defaultLeft[base + i] = t.defaultLeft[i] ? 1 : 0;
        this.gain[base + i] = t.gain[i];
        this.cover[base + i] = t.hessian[i];
      }
      base += t.left.length;
    });
    for (let ti = 0; ti < trees.length; ti++) this.fillMeans(this.roots[ti]);
    // XGBoost: ProbToMargin(base_score) = -log(1/p - 1), in float32
    this.baseMargin = Math.fround(-Math.log(Math.fround(1 / Math.fround(baseScore) - 1)));
    let bias = this.baseMargin;
    for (let t = 0; t < this.roots.length; t++) bias += this.nodeMean[this.roots[t]];
    this.bias = bias;
  }

  /**
   * Parses and validates XGBoost's JSON model. `featureNames` is the input order recorded in the
   * model's metadata; the model must use exactly that many features.
   */
  static fromJson(json: string | unknown, featureNames: readonly string[]): XGBoostModel {
    let doc: unknown = json;
    if (typeof json === "string") {
      try {
        doc = JSON.parse(json);
      } catch (err) {
        throw new ModelValidationError(`model is not valid JSON: ${(err as Error).message}`);
      }
    }
    const learner = obj(obj(doc, "model").learner, "learner");
    const objective = obj(learner.objective, "learner.objective");
    if (objective.name !== "binary:logistic") {
      throw new ModelValidationError(`learner.objective.name: expected "binary:logistic", got ${JSON.stringify(objective.name)}`);
    }
    const param = obj(learner.learner_model_param, "learner.learner_model_param");
    const numFeature = Number(param.num_feature);
    if (numFeature !== featureNames.length) {
      throw new ModelValidationError(`model has ${param.num_feature} features, metadata lists ${featureNames.length}`);
    }
    const numClass = Number(param.num_class ?? 0);
    if (numClass > 1 || Number(param.num_target ?? 1) !== 1)
      throw new ModelValidationError("only single-target binary models are supported");
    const baseScore = Number(param.base_score);
    if (!(baseScore > 0 && baseScore < 1))
      throw new ModelValidationError(`base_score must be a probability in (0, 1), got ${param.base_score}`);
    const booster = obj(learner.gradient_booster, "learner.gradient_booster");
    if (booster.name !== "gbtree")
      throw new ModelValidationError(`gradient_booster.name: expected "gbtree", got ${JSON.stringify(booster.name)}`);
    const model = obj(booster.model, "gradient_booster.model");
    if (!Array.isArray(model.trees) || model.trees.length === 0)
      throw new ModelValidationError("gradient_booster.model.trees: expected a non-empty array");
    const declared = Number(obj(model.gbtree_model_param, "gbtree_model_param").num_trees);
    if (declared !== model.trees.length)
      throw new ModelValidationError(`num_trees is ${declared} but ${model.trees.length} trees are present`);
    const trees = model.trees.map((t, i) => parseTree(t, `trees[${i}]`, numFeature));
    return new XGBoostModel([...featureNames], trees, baseScore);
  }

  get numTrees(): number {
    return this.roots.length;
  }

  get numNodes(): number {
    return this.left.length;
  }

  /** Probability of the positive class (fraud). */
  predict(x: ArrayLike<number>): number {
    return sigmoid(this.margin(x));
  }

  /** Log-odds, accumulated in float32 like XGBoost. */
  margin(x: ArrayLike<number>): number {
    this.checkWidth(x);
    const { left, right, feature, value, defaultLeft, roots } = this;
    let sum = this.baseMargin;
    for (let t = 0; t < roots.length; t++) {
      let n = roots[t];
      while (left[n] !== -1) {
        const v = x[feature[n]];
        n = v !== v ? (defaultLeft[n] === 1 ? left[n] : right[n]) : Math.fround(v) < value[n] ? left[n] : right[n];
      }
      sum = Math.fround(sum + value[n]);
    }
    return sum;
  }

  /**
   * Saabas-style path attribution (what XGBoost's `pred_contribs` with `approx_contribs=true`
   * computes, not exact TreeSHAP): each node's expected value is the cover-weighted mean of the
   * leaves below it (weights = sum_hessian); walking the path of `x`, every step from a node to
   * its child credits the split feature with the change in expected value. Per tree the credits
   * sum to leaf - root mean, so all contributions plus `bias` give the margin. Cheap (one path per
   * tree) and good enough to name the top reasons.
   */
  explain(x: ArrayLike<number>): Explanation {
    const contributions = new Float64Array(this.featureNames.length);
    const margin = this.explainInto(x, contributions);
    return { score: sigmoid(margin), margin, bias: this.bias, contributions };
  }

  /**
   * `explain` without allocating: one walk per tree yields the margin (returned, exactly as
   * `margin` computes it) and the contributions (written into `contributions`, zeroed first).
   */
  explainInto(x: ArrayLike<number>, contributions: Float64Array): number {
    this.checkWidth(x);
    if (contributions.length !== this.featureNames.length)
      throw new RangeError(`expected ${this.featureNames.length} contribution slots, got ${contributions.length}`);
    contributions.fill(0);
    const { left, right, feature, value, defaultLeft, roots, nodeMean } = this;
    let sum = this.baseMargin;
    for (let t = 0; t < roots.length; t++) {
      let n = roots[t];
      while (left[n] !== -1) {
        const f = feature[n];
        const v = x[f];
        const next = v !== v ? (defaultLeft[n] === 1 ? left[n] : right[n]) : Math.fround(v) < value[n] ? left[n] : right[n];
        contributions[f] += nodeMean[next] - nodeMean[n];
        n = next;
      }
      sum = Math.fround(sum + value[n]);
    }
    return sum;
  }

  /** Per input feature, over all splits; for reports. */
  featureImportance(): FeatureImportance[] {
    const gain = new Float64Array(this.featureNames.length);
    const cover = new Float64Array(this.featureNames.length);
    const splits = new Int32Array(this.featureNames.length);
    for (let n = 0; n < this.left.length; n++) {
      if (this.left[n] === -1) continue;
      gain[this.feature[n]] += this.gain[n];
      cover[this.feature[n]] += this.cover[n];
      splits[this.feature[n]]++;
    }
    return this.featureNames.map((feature, i) => ({ feature, gain: gain[i], cover: cover[i], splits: splits[i] }));
  }

  private checkWidth(x: ArrayLike<number>): void {
    if (x.length !== this.featureNames.length) {
      throw new RangeError(`expected ${this.featureNames.length} features, got ${x.length}`);
    }
  }

  private fillMeans(root: number): void {
    // iterative post-order: children are filled before their parent
    const stack = [root];
    const order: number[] = [];
    while (stack.length > 0) {
      const n = stack.pop()!;
      order.push(n);
      if (this.left[n] !== -1) stack.push(this.left[n], this.right[n]);
    }
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      if (this.left[n] === -1) {
        this.nodeMean[n] = this.value[n];
      } else {
        const l = this.left[n],
          r = this.right[n];
        const hl = this.cover[l],
          hr = this.cover[r];
        this.nodeMean[n] =
          hl + hr > 0 ? (hl * this.nodeMean[l] + hr * this.nodeMean[r]) / (hl + hr) : (this.nodeMean[l] + this.nodeMean[r]) / 2;
      }
    }
  }
}
