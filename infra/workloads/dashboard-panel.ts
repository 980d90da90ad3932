/** What the dashboard's builders describe: one panel, or a row title, and its queries. */
interface Target {
  readonly expr: string;
  readonly legendFormat: string;
  readonly format?: "heatmap" | "time_series";
}

export interface PanelSpec {
  readonly title: string;
  /** A row is a full-width title starting a new section of the grid. */
  readonly type: "timeseries" | "stat" | "heatmap" | "row";
  readonly targets: readonly Target[];
  readonly unit?: string;
  /** Value at which the panel turns red. */
  readonly redAbove?: number;
  readonly description: string;
}
