/**
 * Renders a Vega-Lite specification to an SVG document, in process: Vega's headless view
 * (renderer "none") draws the scenegraph to SVG markup with no browser, canvas or network.
 */
import type { TopLevelSpec } from "vega-lite";

type Libraries = [typeof import("vega"), typeof import("vega-lite")];
let libraries: Promise<Libraries> | undefined;

/**
 * Vega and Vega-Lite ship as ES modules only, and vega-canvas awaits an optional `canvas` import at
 * its top level, which `require` cannot load: they come in through `import()`, once.
 */
function load(): Promise<Libraries> {
  return (libraries ??= Promise.all([import("vega"), import("vega-lite")]));
}

/**
 * Starts loading Vega (about a second of parsing) without waiting for it, so that it can happen
 * while the main thread would otherwise wait, e.g. on XGBoost's child processes. A failure to load
 * surfaces in renderSvg.
 */
export function preloadCharts(): void {
  load().catch(() => undefined);
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await load();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
