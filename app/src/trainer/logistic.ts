/**
 * The baseline every report compares the boosted model with: an L2-regularised logistic regression
 * on the same feature vectors, fitted by iteratively reweighted least squares (Newton's method;
 * with ~20 columns each step is one small Cholesky solve). Features are standardised on the train
 * window; a missing value (NaN) is imputed with the train mean (0 after standardising) and gets an
 * indicator column, so "no previous transaction" is learnable rather than confused with the mean.
 */

export interface LogisticModel {
  readonly kind: "logistic-regression";
  readonly featureNames: readonly string[];
  readonly means: readonly number[];
  readonly stds: readonly number[];
  /** Features that had missing values in training and so have an indicator column. */
  readonly indicatorFeatures: readonly number[];
  /** [intercept, one per feature, one per indicator]. */
  readonly weights: readonly number[];
  readonly iterations: number;
}

export interface LogisticOptions {
  /** Weight of a positive row (the same class weighting the boosted model gets). Default 1. */
  readonly positiveWeight?: number;
  /** Ridge penalty on the (standardised) coefficients, not the intercept. Default 1. */
  readonly l2?: number;
  readonly maxIterations?: number;
}

/** `x` is row-major, `rows x featureNames.length`. */
export function fitLogistic(
  x: Float64Array,
  labels: ArrayLike<number>,
  featureNames: readonly string[],
  options: LogisticOptions = {},
): LogisticModel {
  const d = featureNames.length;
  const n = labels.length;
  if (x.length !== n * d) throw new Error(`logistic: ${x.length} values for ${n} rows x ${d} features`);
  if (n === 0) throw new Error("logistic: no training rows");
  const means = new Array<number>(d).fill(0);
  const stds = new Array<number>(d).fill(0);
  const present = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      if (!Number.isNaN(v)) {
        means[j]! += v;
        present[j]!++;
      }
    }
  }
  for (let j = 0; j < d; j++) means[j] = present[j] ? means[j]! / present[j]! : 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      if (!Number.isNaN(v)) stds[j]! += (v - means[j]!) ** 2;
    }
  }
  // A constant column gets std 1: it standardises to 0 and its weight stays at 0 under the ridge.
  for (let j = 0; j < d; j++) stds[j] = present[j] ? Math.sqrt(stds[j]! / present[j]!) || 1 : 1;
  const indicatorFeatures = [...Array(d).keys()].filter((j) => present[j]! < n);
  const base = { featureNames, means, stds, indicatorFeatures };
  const p = 1 + d + indicatorFeatures.length;
  const design = new Float64Array(n * p);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    designRow(base, x, i * d, row);
    design.set(row, i * p);
  }
  const positiveWeight = options.positiveWeight ?? 1;
  const l2 = options.l2 ?? 1;
  const w = new Float64Array(p);
  let iterations = 0;
  const maxIterations = options.maxIterations ?? 50;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Float64Array(p);
    const hess = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      const off = i * p;
      let z = 0;
      for (let j = 0; j < p; j++) z += design[off + j]! * w[j]!;
      const prob = sigmoid(z);
      const sw = labels[i] ? positiveWeight : 1;
      const r = sw * (prob - (labels[i] ? 1 : 0));
      const h = sw * Math.max(prob * (1 - prob), 1e-12);
      for (let j = 0; j < p; j++) {
        const xj = design[off + j]!;
        if (xj === 0) continue;
        grad[j]! += r * xj;
        const hx = h * xj;
        for (let k = 0; k <= j; k++) hess[j * p + k]! += hx * design[off + k]!;
      }
    }
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < j; k++) hess[k * p + j] = hess[j * p + k]!;
      if (j > 0) {
        grad[j]! += l2 * w[j]!;
        hess[j * p + j]! += l2;
      } else {
        hess[0]! += 1e-9; // keeps the system positive definite when a class is absent
      }
    }
    const step = choleskySolve(hess, grad, p);
    let size = 0;
    for (let j = 0; j < p; j++) {
      w[j]! -= step[j]!;
      size = Math.max(size, Math.abs(step[j]!));
    }
    if (size < 1e-8) {
      iterations++;
      break;
    }
  }
  return { kind: "logistic-regression", ...base, weights: [...w], iterations };
}

function designRow(
  m: Pick<LogisticModel, "featureNames" | "means" | "stds" | "indicatorFeatures">,
  x: ArrayLike<number>,
  offset: number,
  out: Float64Array,
): void {
  const d = m.featureNames.length;
  out[0] = 1;
  for (let j = 0; j < d; j++) {
    const v = x[offset + j]!;
    out[1 + j] = Number.isNaN(v) ? 0 : (v - m.means[j]!) / m.stds[j]!;
  }
  m.indicatorFeatures.forEach((j, k) => {
    out[1 + d + k] = Number.isNaN(x[offset + j]!) ? 1 : 0;
  });
}

/** Probabilities for row-major `x` (rows x featureNames.length). */
export function predictLogistic(m: LogisticModel, x: Float64Array): Float64Array {
  const d = m.featureNames.length;
  const n = x.length / d;
  const p = m.weights.length;
  const row = new Float64Array(p);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    designRow(m, x, i * d, row);
    let z = 0;
    for (let j = 0; j < p; j++) z += row[j]! * m.weights[j]!;
    out[i] = sigmoid(z);
  }
  return out;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Solves A x = b for symmetric positive definite A (p x p, row-major). */
export function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error("logistic: Hessian is not positive definite");
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / l[j * p + j]!;
      }
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * y[k]!;
    y[i] = s / l[i * p + i]!;
  }
  const out = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * out[k]!;
    out[i] = s / l[i * p + i]!;
  }
  return out;
}
