/**
 * XGBoost's JSON model read with every field checked (xgboost-model.ts builds the scorer from it):
 * a tree's node arrays must have its node count, its children must form one tree from the root and
 * its splits must name the model's features, or the model is refused with the first problem.
 */

export class ModelValidationError extends Error {
  override readonly name = "ModelValidationError";
}

type Json = Record<string, unknown>;

export function obj(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ModelValidationError(`${where}: expected an object`);
  return v as Json;
}

function numArray(v: unknown, where: string, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length) {
    throw new ModelValidationError(
      `${where}: expected an array of ${length} numbers, got ${Array.isArray(v) ? `${v.length} items` : typeof v}`,
    );
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" && typeof x !== "boolean") throw new ModelValidationError(`${where}[${i}]: expected a number`);
  }
  return v.map(Number);
}

export interface ParsedTree {
  readonly left: number[];
  readonly right: number[];
  readonly split: number[];
  readonly condition: number[];
  readonly defaultLeft: number[];
  readonly gain: number[];
  readonly hessian: number[];
}

export function parseTree(raw: unknown, where: string, numFeature: number): ParsedTree {
  const t = obj(raw, where);
  const numNodes = Number(obj(t.tree_param, `${where}.tree_param`).num_nodes);
  if (!Number.isInteger(numNodes) || numNodes < 1)
    throw new ModelValidationError(`${where}.tree_param.num_nodes: expected a positive integer`);
  const left = numArray(t.left_children, `${where}.left_children`, numNodes);
  const right = numArray(t.right_children, `${where}.right_children`, numNodes);
  const split = numArray(t.split_indices, `${where}.split_indices`, numNodes);
  const condition = numArray(t.split_conditions, `${where}.split_conditions`, numNodes);
  const defaultLeft = numArray(t.default_left, `${where}.default_left`, numNodes);
  const hessian = numArray(t.sum_hessian, `${where}.sum_hessian`, numNodes);
  const gain = numArray(t.loss_changes, `${where}.loss_changes`, numNodes);
  if (Array.isArray(t.split_type) && t.split_type.some((s) => s !== 0)) {
    throw new ModelValidationError(`${where}: categorical splits are not supported`);
  }
  // walk from the root: every reachable node is reached once (a tree, no cycles); nodes pruned
  // away (num_deleted) may stay in the arrays unreachable, and are never read
  const reached = new Uint8Array(numNodes);
  reached[0] = 1;
  const stack = [0];
  while (stack.length > 0) {
    const i = stack.pop()!;
    const l = left[i],
      r = right[i];
    if (l === -1 && r === -1) {
      if (!Number.isFinite(condition[i])) throw new ModelValidationError(`${where}: leaf ${i} has no finite value`);
      continue;
    }
    for (const c of [l, r]) {
      if (!Number.isInteger(c) || c <= 0 || c >= numNodes || reached[c]) {
        throw new ModelValidationError(`${where}: node ${i} has an invalid child ${c}`);
      }
      reached[c] = 1;
      stack.push(c);
    }
    if (!Number.isInteger(split[i]) || split[i] < 0 || split[i] >= numFeature) {
      throw new ModelValidationError(`${where}: node ${i} splits on feature ${split[i]}, the model has ${numFeature}`);
    }
    if (Number.isNaN(condition[i])) throw new ModelValidationError(`${where}: node ${i} has a NaN threshold`);
  }
  return { left, right, split, condition, defaultLeft, gain, hessian };
}
