import type { WorkloadOptions } from "./options";
import type { PanelSpec } from "./dashboard-panel";
import { challengerPanels } from "./dashboard-challenger";
import { driftPanels } from "./dashboard-drift";
import { servicePanels } from "./dashboard-service";

/** Grafana's sidecar loads ConfigMaps carrying this label (kube-prometheus-stack's default). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
export const DASHBOARD_UID = "fraud-platform-overview";

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

/** Rows of panels, laid out two (or three stats) per row by `layout`. */
function panelSpecs(s: WorkloadOptions): PanelSpec[] {
  return [...servicePanels(s), ...driftPanels(), ...challengerPanels(s)];
}

/** Grid positions: timeseries and heatmaps two per row, stats three per row. */
function layout(specs: PanelSpec[]): { x: number; y: number; w: number; h: number }[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p) => {
    const w = p.type === "row" ? 24 : p.type === "stat" ? 8 : 12;
    const h = p.type === "row" ? 1 : p.type === "stat" ? 5 : 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return pos;
  });
}

/** The fraud overview dashboard as Grafana JSON (schema of Grafana 10/11). */
export function fraudDashboard(s: WorkloadOptions): Record<string, unknown> {
  const specs = panelSpecs(s);
  const grid = layout(specs);
  return {
    uid: DASHBOARD_UID,
    title: "Fraud platform",
    tags: ["fraud-platform"],
    timezone: "utc",
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source", current: {} }] },
    panels: specs.map((p, i) =>
      p.type === "row"
        ? {
            id: i + 1,
            type: "row",
            title: p.title,
            description: p.description,
            collapsed: false,
            gridPos: grid[i],
            panels: [],
            targets: [],
          }
        : {
            id: i + 1,
            title: p.title,
            description: p.description,
            type: p.type,
            datasource: DATASOURCE,
            gridPos: grid[i],
            targets: p.targets.map((t, j) => ({
              refId: String.fromCharCode(65 + j),
              datasource: DATASOURCE,
              expr: t.expr,
              legendFormat: t.legendFormat,
              format: t.format ?? "time_series",
            })),
            fieldConfig: {
              defaults: {
                unit: p.unit ?? "short",
                thresholds: {
                  mode: "absolute",
                  steps: [{ color: "green", value: null }, ...(p.redAbove === undefined ? [] : [{ color: "red", value: p.redAbove }])],
                },
              },
              overrides: [],
            },
            options: p.type === "heatmap" ? { calculate: false, yAxis: { unit: "short" } } : {},
          },
    ),
  };
}
