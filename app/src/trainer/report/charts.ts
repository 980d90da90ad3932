/**
 * The report's charts as Vega-Lite specifications: ROC, precision-recall, score distribution and
 * feature importance. Building a spec is pure (data in, JSON out); `svg.ts` renders it.
 */
import type { TopLevelSpec } from "vega-lite";
import type { PositionFieldDef } from "vega-lite/types_unstable/channeldef.js";
import type { Curves } from "../metrics";

/** A CSS colour (`#rrggbb`). */
export type Color = string;

export interface Series {
  readonly name: string;
  readonly color: Color;
  readonly curves: Curves;
}

/** Category10's red, blue and green, so a model keeps its colour from report to report. */
export const COLORS = { boosting: "#d62728", baseline: "#1f77b4", champion: "#2ca02c" } as const satisfies Record<string, Color>;

const WIDTH = 520;
const HEIGHT = 360;

/** A position channel over [0, 1] whatever the data, so charts of different runs compare. */
function unit(field: string, title?: string): PositionFieldDef<string> {
  return { field, type: "quantitative", scale: { domain: [0, 1] }, ...(title ? { title } : {}) };
}
/** No animation or interaction in a static page; the same font stack as the page around it. */
const CONFIG = { font: "system-ui, sans-serif", title: { fontSize: 15 }, axis: { titleFontSize: 13, labelFontSize: 11 } } as const;

/**
 * Drops the points of a curve that move less than `step` (a share of the unit square) on both axes
 * from the last point kept, always keeping the first and the last: a test window has one point per
 * distinct score, far more than the chart has pixels, and each would be inlined into the page.
 */
export function thin(xs: ArrayLike<number>, ys: ArrayLike<number>, step = 0.001): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const last = out[out.length - 1];
    if (!last || i === n - 1 || Math.abs(xs[i]! - last.x) >= step || Math.abs(ys[i]! - last.y) >= step) out.push({ x: xs[i]!, y: ys[i]! });
  }
  return out;
}

/** What every chart shares: its title, plot size and fonts. */
function frame(title: string, height: number | { step: number } = HEIGHT) {
  return { title, width: WIDTH, height, config: CONFIG };
}

/** One row per kept point of each model's curve, numbered in drawing order. */
function curveRows(series: readonly Series[], xy: (c: Curves) => readonly [ArrayLike<number>, ArrayLike<number>]) {
  return series.flatMap((s) => thin(...xy(s.curves)).map((p, order) => ({ model: s.name, order, ...p })));
}

/** A curve per model in the model's own colour, with a legend of model names. */
function curveEncoding(series: readonly Series[], xTitle: string, yTitle: string) {
  return {
    x: unit("x", xTitle),
    y: unit("y", yTitle),
    color: {
      field: "model",
      type: "nominal",
      title: "Model",
      scale: { domain: series.map((s) => s.name), range: series.map((s) => s.color) },
    },
    order: { field: "order", type: "quantitative" },
  } as const;
}

export function rocSpec(series: readonly Series[]): TopLevelSpec {
  return {
    ...frame("ROC curve"),
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: "line", color: "#999", strokeDash: [6, 4], strokeWidth: 1 },
        encoding: { x: unit("x"), y: unit("y") },
      },
      {
        data: { values: curveRows(series, (c) => [c.fpr, c.tpr]) },
        mark: { type: "line", strokeWidth: 2 },
        encoding: curveEncoding(series, "False positive rate", "True positive rate"),
      },
    ],
  };
}

export function precisionRecallSpec(series: readonly Series[]): TopLevelSpec {
  // starts at recall 0 with the first precision, as average precision integrates it
  const points = curveRows(series, (c) => [
    [0, ...c.recall],
    [c.precision[0] ?? 1, ...c.precision],
  ]);
  return {
    ...frame("Precision-recall curve"),
    data: { values: points },
    // step-before: between two recalls the precision is the later point's, the average-precision sum
    mark: { type: "line", interpolate: "step-before", strokeWidth: 2 },
    encoding: curveEncoding(series, "Recall", "Precision"),
  };
}

/** Per-class histograms of scores (each class normalised to its own total), 40 bins over [0, 1]. */
export function scoreHistograms(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 40): { legit: number[]; fraud: number[] } {
  const legit = new Array<number>(bins).fill(0);
  const fraud = new Array<number>(bins).fill(0);
  let nl = 0;
  let nf = 0;
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(scores[i]! * bins)));
    if (labels[i]) {
      fraud[b]!++;
      nf++;
    } else {
      legit[b]!++;
      nl++;
    }
  }
  return { legit: legit.map((v) => v / Math.max(1, nl)), fraud: fraud.map((v) => v / Math.max(1, nf)) };
}

export function scoreDistributionSpec(scores: ArrayLike<number>, labels: ArrayLike<number>): TopLevelSpec {
  const h = scoreHistograms(scores, labels);
  const bins = h.legit.length;
  // each bin split in two side-by-side bars, genuine left and fraud right
  const bars = [
    ...h.legit.map((share, b) => ({ cls: "Genuine", x0: b / bins, x1: (b + 0.5) / bins, share })),
    ...h.fraud.map((share, b) => ({ cls: "Fraud", x0: (b + 0.5) / bins, x1: (b + 1) / bins, share })),
  ];
  return {
    ...frame("Score distribution (share of class)"),
    data: { values: bars },
    mark: { type: "bar", binSpacing: 0 },
    encoding: {
      x: unit("x0", "Score"),
      x2: { field: "x1" },
      y: { field: "share", type: "quantitative", title: "Share of class", axis: { format: ".0%" } },
      // a bar with an x range is not stacked from zero by default
      y2: { datum: 0 },
      color: {
        field: "cls",
        type: "nominal",
        title: "Class",
        scale: { domain: ["Genuine", "Fraud"], range: [COLORS.baseline, COLORS.boosting] },
      },
    },
  };
}

/** `items` in the order drawn, top first (importanceShares sorts them by share). */
export function importanceSpec(items: readonly { feature: string; share: number }[], what: string): TopLevelSpec {
  const bar = {
    x: { field: "share", type: "quantitative", title: `Share of ${what}`, axis: { format: ".0%", tickCount: 6 } },
    y: { field: "feature", type: "nominal", title: null, sort: null },
  } as const;
  return {
    ...frame(`Feature importance (${what})`, { step: 20 }),
    data: { values: items.map((i) => ({ feature: i.feature, share: i.share })) },
    layer: [
      { mark: { type: "bar", color: COLORS.boosting }, encoding: bar },
      { mark: { type: "text", align: "left", dx: 4 }, encoding: { ...bar, text: { field: "share", type: "quantitative", format: ".1%" } } },
    ],
  };
}
