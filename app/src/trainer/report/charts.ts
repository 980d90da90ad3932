/** The report's charts as PNGs: ROC, precision-recall, score distribution, feature importance. */
import type { Curves } from "../metrics";
import { Canvas, type Rgb } from "./png";

export interface Series {
  readonly name: string;
  readonly color: Rgb;
  readonly curves: Curves;
}

const W = 640;
const H = 480;
const PLOT = { left: 80, right: 24, top: 48, bottom: 64 } as const;
const AXIS: Rgb = [60, 60, 60];
const GRID: Rgb = [228, 228, 228];
const INK: Rgb = [30, 30, 30];
export const COLORS = { boosting: [214, 39, 40] as Rgb, baseline: [31, 119, 180] as Rgb, champion: [44, 160, 44] as Rgb };

interface Frame {
  readonly canvas: Canvas;
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
}

function frame(title: string, xTitle: string, yTitle: string, yMax = 1): Frame {
  const canvas = new Canvas(W, H);
  const pw = W - PLOT.left - PLOT.right;
  const ph = H - PLOT.top - PLOT.bottom;
  const x = (v: number): number => PLOT.left + v * pw;
  const y = (v: number): number => PLOT.top + ph - (v / yMax) * ph;
  for (let t = 0; t <= 5; t++) {
    const v = t / 5;
    canvas.line(x(v), PLOT.top, x(v), PLOT.top + ph, GRID);
    canvas.line(PLOT.left, y(v * yMax), PLOT.left + pw, y(v * yMax), GRID);
    const xl = v.toFixed(1);
    canvas.text(x(v) - Canvas.textWidth(xl) / 2, PLOT.top + ph + 8, xl, AXIS);
    const yl = (v * yMax).toFixed(yMax < 1 ? 2 : 1);
    canvas.text(PLOT.left - 8 - Canvas.textWidth(yl), y(v * yMax) - 7, yl, AXIS);
  }
  canvas.line(PLOT.left, PLOT.top, PLOT.left, PLOT.top + ph, AXIS, 2);
  canvas.line(PLOT.left, PLOT.top + ph, PLOT.left + pw, PLOT.top + ph, AXIS, 2);
  canvas.text((W - Canvas.textWidth(title))/2, 14, title, INK);
  canvas.text(PLOT.left + (pw - Canvas.textWidth(xTitle)) / 2, H - 26, xTitle, INK);
  canvas.textVertical(8, PLOT.top + (ph + Canvas.textWidth(yTitle)) / 2, yTitle, INK);
  return { canvas, x, y };
}

function legend(c: Canvas, entries: readonly { name: string; color: Rgb }[], x: number, y: number): void {
  entries.forEach((e, i) => {
    c.fillRect(x, y + i * 20 + 3, 16, 8, e.color);
    c.text(x + 22, y + i * 20, e.name, INK);
  });
}

export function rocChart(series: readonly Series[]): Buffer {
  const f = frame("ROC CURVE", "FALSE POSITIVE RATE", "TRUE POSITIVE RATE");
  f.canvas.line(f.x(0), f.y(0), f.x(1), f.y(1), [150, 150, 150], 1, 6);
  for (const s of series) {
    f.canvas.polyline(
      Array.from(s.curves.fpr, f.x),
      Array.from(s.curves.tpr, f.y),
      s.color,
    );
  }
  legend(f.canvas, series, f.x(0.45), f.y(0.3));
  return f.canvas.png();
}

export function precisionRecallChart(series: readonly Series[]): Buffer {
  const f = frame("PRECISION-RECALL CURVE", "RECALL", "PRECISION");
  for (const s of series) {
    // a step curve, as average precision integrates it
    const xs: number[] = [f.x(0)];
    const ys: number[] = [f.y(s.curves.precision[0] ?? 1)];
    for (let i = 0; i < s.curves.recall.length; i++) {
      xs.push(f.x(s.curves.recall[i]!));
      ys.push(f.y(s.curves.precision[i]!));
    }
    f.canvas.polyline(xs, ys, s.color);
  }
  legend(f.canvas, series, f.x(0.05), f.y(0.3));
  return f.canvas.png();
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

export function scoreDistributionChart(scores: ArrayLike<number>, labels: ArrayLike<number>): Buffer {
  const h = scoreHistograms(scores, labels);
  const peak = Math.max(...h.legit, ...h.fraud, 1e-9);
  const yMax = Math.min(1, Math.ceil(peak * 10) / 10);
  const f = frame("SCORE DISTRIBUTION (SHARE OF CLASS)", "SCORE", "SHARE", yMax);
  const bins = h.legit.length;
  const bw = (f.x(1) - f.x(0)) / bins;
  for (let b = 0; b < bins; b++) {
    const x0 = f.x(b / bins);
    f.canvas.fillRect(x0 + 1, f.y(h.legit[b]!), bw / 2 - 1, f.y(0) - f.y(h.legit[b]!), COLORS.baseline);
    f.canvas.fillRect(x0 + bw / 2, f.y(h.fraud[b]!), bw / 2 - 1, f.y(0) - f.y(h.fraud[b]!), COLORS.boosting);
  }
  legend(
    f.canvas,
    [
      { name: "GENUINE", color: COLORS.baseline },
      { name: "FRAUD", color: COLORS.boosting },
    ],
    f.x(0.4),
    f.y(yMax * 0.95),
  );
  return f.canvas.png();
}

export function importanceChart(items: readonly { feature: string; share: number }[], what: string): Buffer {
  const rowH = 22;
  const height = 70 + items.length * rowH;
  const canvas = new Canvas(W, height);
  const title = `FEATURE IMPORTANCE (${what})`;
  canvas.text((W - Canvas.textWidth(title)) / 2, 14, title, INK);
  const labelW = Math.max(...items.map((i) => Canvas.textWidth(i.feature)), 0) + 12;
  const maxShare = Math.max(...items.map((i) => i.share), 1e-9);
  const barMax = W - labelW - 90;
  items.forEach((item, k) => {
    const y = 48 + k * rowH;
    canvas.text(labelW - 6 - Canvas.textWidth(item.feature), y + 3, item.feature, INK);
    const w = (item.share / maxShare) * barMax;
    canvas.fillRect(labelW, y, Math.max(1, w), rowH - 6, COLORS.boosting);
    canvas.text(labelW + w + 6, y + 3, `${(100 * item.share).toFixed(1)}%`, AXIS);
  });
  return canvas.png();
}
